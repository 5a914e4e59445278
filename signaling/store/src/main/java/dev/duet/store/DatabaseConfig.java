package dev.duet.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where the database is and how big its connection pool may grow.
 *
 * @param url a JDBC URL, {@code jdbc:h2:...} or {@code jdbc:postgresql:...}
 * @param user the database user; empty (or {@code null}, taken as empty) leaves it to the URL or
 *     the driver's default
 * @param password the password; empty (or {@code null}, taken as empty) for none; never printed by
 *     {@link #toString()}
 * @param maxPoolSize the most connections the pool opens, at least 1
 */
public record DatabaseConfig(String url, String user, String password, int maxPoolSize) {

  /** The pool size used when none is configured. */
  public static final int DEFAULT_POOL_SIZE = 10;

  /** Environment variable naming the JDBC URL; when absent the embedded H2 database is used. */
  public static final String ENV_URL = "DUET_DB_URL";

  /** Environment variable with the database user. */
  public static final String ENV_USER = "DUET_DB_USER";

  /** Environment variable with the database password. */
  public static final String ENV_PASSWORD = "DUET_DB_PASSWORD";

  /** Environment variable with the maximum pool size. */
  public static final String ENV_POOL_SIZE = "DUET_DB_POOL_SIZE";

  /**
   * The H2 URL options: PostgreSQL compatibility (so the migrations run unchanged on both), lower
   * case identifiers like PostgreSQL, nulls sorted last like PostgreSQL.
   */
  static final String H2_OPTIONS =
      ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

  public DatabaseConfig {
    Objects.requireNonNull(url, "url");
    user = Objects.requireNonNullElse(user, "");
    password = Objects.requireNonNullElse(password, "");
    if (!url.startsWith("jdbc:")) {
      throw new IllegalArgumentException("not a JDBC URL: " + redactedUrl(url));
    }
    if (maxPoolSize < 1) {
      throw new IllegalArgumentException("maxPoolSize must be at least 1: " + maxPoolSize);
    }
  }

  /**
   * The embedded default: the H2 file database {@code duet} under {@code dataDir} (the file is
   * {@code <dataDir>/duet.mv.db}), user {@code sa}, no password.
   */
  public static DatabaseConfig h2(Path dataDir) {
    Path file = dataDir.toAbsolutePath().normalize().resolve("duet");
    return new DatabaseConfig("jdbc:h2:file:" + file + H2_OPTIONS, "sa", "", DEFAULT_POOL_SIZE);
  }

  /**
   * The configuration from environment variables: {@value #ENV_URL} (absent or blank: {@link
   * #h2(Path)} under {@code dataDir}), {@value #ENV_USER}, {@value #ENV_PASSWORD}, {@value
   * #ENV_POOL_SIZE}.
   *
   * @throws IllegalArgumentException when a variable has an unusable value
   */
  public static DatabaseConfig fromEnvironment(Map<String, String> env, Path dataDir) {
    DatabaseConfig embedded = h2(dataDir);
    String url = env.getOrDefault(ENV_URL, "").strip();
    String poolSize = env.getOrDefault(ENV_POOL_SIZE, "").strip();
    int pool;
    try {
      pool = poolSize.isEmpty() ? DEFAULT_POOL_SIZE : Integer.parseInt(poolSize);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(ENV_POOL_SIZE + " is not a number: " + poolSize, e);
    }
    if (url.isEmpty()) {
      return new DatabaseConfig(
          embedded.url(),
          env.getOrDefault(ENV_USER, embedded.user()),
          env.getOrDefault(ENV_PASSWORD, embedded.password()),
          pool);
    }
    return new DatabaseConfig(
        url, env.getOrDefault(ENV_USER, ""), env.getOrDefault(ENV_PASSWORD, ""), pool);
  }

  /** Whether this is the embedded H2 database rather than a server. */
  public boolean embedded() {
    return url.startsWith("jdbc:h2:");
  }

  /** The URL without its parameters, which may carry secrets; fit for logs. */
  public String redactedUrl() {
    return redactedUrl(url);
  }

  /** Never shows the password, nor URL parameters (which may carry one). */
  @Override
  public String toString() {
    return "DatabaseConfig[url="
        + redactedUrl()
        + ", user="
        + user
        + ", password="
        + (password.isEmpty() ? "" : "***")
        + ", maxPoolSize="
        + maxPoolSize
        + "]";
  }

  private static String redactedUrl(String url) {
    int cut = url.length();
    for (char c : new char[] {'?', ';'}) {
      int i = url.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    return url.substring(0, cut);
  }
}
