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
    return open(config, STATEMENT_TIMEOUT);
  }

  /**
   * How long one statement of the running server may take (a lock wait included) before it fails
   * with an error: a database that hangs must fail the requests that need it, not stall the
   * server's store thread for ever. Migrations have no limit.
   */
  static final java.time.Duration STATEMENT_TIMEOUT = java.time.Duration.ofSeconds(10);

  /** As {@link #open(DatabaseConfig)}, with another statement timeout (tests). */
  static Database open(DatabaseConfig config, java.time.Duration statementTimeout) {
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
    HikariConfig main = config(config, "duet-db", config.maxPoolSize());
    long ms = statementTimeout.toMillis();
    if (config.url().startsWith("jdbc:postgresql:")) {
      main.setConnectionInitSql("SET statement_timeout = " + ms);
      // and a network that stops answering fails a read rather than hanging it
      main.addDataSourceProperty("socketTimeout", Long.toString(Math.max(1, ms / 1000 * 3)));
    } else if (config.url().startsWith("jdbc:h2:")) {
      main.setConnectionInitSql("SET QUERY_TIMEOUT " + ms);
    }
    return new Database(start(main, config), version);
  }

  private static HikariDataSource pool(DatabaseConfig config, String name, int size) {
    return start(config(config, name, size), config);
  }

  private static HikariDataSource start(HikariConfig hikari, DatabaseConfig config) {
    try {
      return new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the database " + config.redactedUrl(), e);
    }
  }

  private static HikariConfig config(DatabaseConfig config, String name, int size) {
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
    return hikari;
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
    // At most one check a second, and one at a time: a flood of health requests during an outage
    // must not hold every pool connection and request thread waiting. The others get the last
    // answer.
    long now = System.nanoTime();
    if ((healthCheckedAt != 0 && now - healthCheckedAt < HEALTH_CACHE_NANOS)
        || !healthChecking.compareAndSet(false, true)) {
      return lastHealthy;
    }
    try (Connection connection = pool.getConnection()) {
      lastHealthy = connection.isValid(HEALTH_TIMEOUT_SECONDS);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Database health check failed: {}", e.toString());
      lastHealthy = false;
    } finally {
      healthCheckedAt = System.nanoTime();
      healthChecking.set(false);
    }
    return lastHealthy;
  }

  private static final long HEALTH_CACHE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
  private final java.util.concurrent.atomic.AtomicBoolean healthChecking =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean lastHealthy = true;
  private volatile long healthCheckedAt;

  /** Closes the pool; the stores fail afterwards. Idempotent. */
  @Override
  public void close() {
    pool.close();
  }
}
