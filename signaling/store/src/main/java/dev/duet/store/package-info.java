/**
 * Duet's persistence: small store interfaces and their JDBC adapters.
 *
 * <p>{@link dev.duet.store.Database#open(DatabaseConfig)} opens a HikariCP pool, brings the schema
 * up to date with Flyway (migrations under {@code db/migration}) and hands out the stores: {@link
 * dev.duet.store.MessageStore}, {@link dev.duet.store.CallStore}, {@link
 * dev.duet.store.RecordingStore} and {@link dev.duet.store.AuditLog}. The default is an embedded H2
 * file database under the data folder ({@link
 * dev.duet.store.DatabaseConfig#h2(java.nio.file.Path)}); PostgreSQL is used when {@code
 * DUET_DB_URL} names it ({@link dev.duet.store.DatabaseConfig#fromEnvironment(java.util.Map,
 * java.nio.file.Path)}).
 *
 * <p>Rules the implementations keep:
 *
 * <ul>
 *   <li>Every store is thread-safe and holds no state besides the pool: each call borrows a
 *       connection, runs in auto-commit (or one short transaction) and gives it back. Calls block
 *       on I/O, so the server must not call them while holding a lock or on a thread that must not
 *       block.
 *   <li>Instants are stored as epoch milliseconds; what is read back is the written instant
 *       truncated to the millisecond.
 *   <li>Methods return {@code Optional} or empty lists, never {@code null}; arguments must not be
 *       {@code null}. Database failures surface as the unchecked {@link
 *       dev.duet.store.StoreException}; bad arguments as {@link IllegalArgumentException} or {@link
 *       NullPointerException}.
 * </ul>
 */
package dev.duet.store;
