package dev.duet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open database: a connection pool with an up-to-date schema, and the stores on it.
 *
 * <p>Open one per process with {@link #open(DatabaseConfig)} and close it at shutdown; the stores
 * are thread-safe and may be shared freely. Opening the same database again (the next start)
 * applies only migrations it has not applied yet.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** Where the Flyway migrations live on the class path. */
  public static final String MIGRATIONS = "classpath:db/migration";

  /** Connections the migration pool may open; Flyway needs two on PostgreSQL. */
  private static final int MIGRATION_POOL_SIZE = 3;

  /** Seconds {@link #healthy()} waits for the database to answer. */
  private static final int HEALTH_TIMEOUT_SECONDS = 2;

  private final HikariDataSource pool;
  private final String schemaVersion;
  private final MessageStore messages;
  private final CallStore calls;
  private final RecordingStore recordings;
  private final AuditLog audit;

  private Database(HikariDataSource pool, String schemaVersion) {
    this.pool = pool;
    this.schemaVersion = schemaVersion;
    this.messages = new JdbcMessageStore(pool);
    this.calls = new JdbcCallStore(pool);
    this.recordings = new JdbcRecordingStore(pool);
    this.audit = new JdbcAuditLog(pool);
  }

  /**
   * Opens the pool, runs migrations.
   *
   * @throws StoreException when the database cannot be reached or a migration fails (the pool is
   *     closed again)
   */
  public static Database open(DatabaseConfig config) {
    Objects.requireNonNull(config, "config");
    // Flyway holds two connections at once on PostgreSQL (one keeps the schema history locked), so
    // it gets its own short-lived pool: the main pool may be as small as one connection.
    String version;
    try (HikariDataSource migrationPool = pool(config, "duet-db-migration", MIGRATION_POOL_SIZE)) {
      MigrateResult result =
          Flyway.configure()
              .dataSource(migrationPool)
              .locations(MIGRATIONS)
              .failOnMissingLocations(true)
              .load()
              .migrate();
      version =
          Objects.requireNonNullElse(
              result.targetSchemaVersion,
              Objects.requireNonNullElse(result.initialSchemaVersion, ""));
      LOG.info(
          "Database {} ready: schema version {} ({} migrations applied now)",
          config.redactedUrl(),
          version,
          result.migrationsExecuted);
    } catch (StoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new StoreException("cannot migrate the database " + config.redactedUrl(), e);
    }
    return new Database(pool(config, "duet-db", config.maxPoolSize()), version);
  }

  private static HikariDataSource pool(DatabaseConfig config, String name, int size) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setJdbcUrl(config.url());
    // Empty means "not given": credentials may then come from the URL's parameters.
    if (!config.user().isEmpty()) {
      hikari.setUsername(config.user());
    }
    if (!config.password().isEmpty()) {
      hikari.setPassword(config.password());
    }
    hikari.setMaximumPoolSize(size);
    hikari.setMinimumIdle(Math.min(2, size));
    hikari.setConnectionTimeout(10_000);
    // One attempt at the first connection: a wrong URL or password fails the start at once with
    // the driver's reason, rather than after retries.
    hikari.setInitializationFailTimeout(1);
    try {
      return new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the database " + config.redactedUrl(), e);
    }
  }

  public MessageStore messages() {
    return messages;
  }

  public CallStore calls() {
    return calls;
  }

  public RecordingStore recordings() {
    return recordings;
  }

  public AuditLog audit() {
    return audit;
  }

  /** The pooled data source, for what the stores do not cover (and for tests). */
  public DataSource dataSource() {
    return pool;
  }

  /** The schema version after migration, e.g. {@code 1}. */
  public String schemaVersion() {
    return schemaVersion;
  }

  /**
   * Whether the database answers a validation query within {@value #HEALTH_TIMEOUT_SECONDS} s.
   * Cheap; never throws.
   */
  public boolean healthy() {
    if (pool.isClosed()) {
      return false;
    }
    try (Connection connection = pool.getConnection()) {
      return connection.isValid(HEALTH_TIMEOUT_SECONDS);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Database health check failed: {}", e.toString());
      return false;
    }
  }

  /** Closes the pool; the stores fail afterwards. Idempotent. */
  @Override
  public void close() {
    pool.close();
  }
}
