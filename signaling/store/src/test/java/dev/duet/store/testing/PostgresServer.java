package dev.duet.store.testing;

import dev.duet.store.DatabaseConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real, throw-away PostgreSQL server for tests, run from Debian's binaries.
 *
 * <p>{@link #start()} makes a fresh cluster in a temporary folder ({@code initdb}), starts it on a
 * free port on 127.0.0.1 with its unix socket inside that folder, and waits until it accepts
 * connections. {@link #close()} stops that server by the PID it wrote ({@code pg_ctl stop -m fast},
 * then a kill of that PID if it lingers) and deletes the folder. Nothing depends on a PostgreSQL
 * service of the machine, and nothing is left running; a JVM shutdown hook stops a server a test
 * forgot to close.
 *
 * <p>PostgreSQL refuses to run as root: when the tests run as root, the server runs as the {@code
 * postgres} OS user (made by the Debian package) through {@code runuser}, in a folder owned by that
 * user. The server trusts no one without a password over TCP: clients use {@link #user()} and
 * {@link #password()} (SCRAM).
 *
 * <p>The binaries are taken from the system property {@value #BIN_PROPERTY} when set, else from
 * {@code /usr/lib/postgresql/15/bin}, else from the newest {@code /usr/lib/postgresql/<n>/bin}.
 * When there are none, {@link #start()} fails (it does not skip) and says what to install.
 *
 * <pre>{@code
 * try (PostgresServer server = PostgresServer.start();
 *     Database db = Database.open(server.config())) {
 *   ...
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {
  /** System property naming the folder with initdb, pg_ctl and postgres. */
  public static final String BIN_PROPERTY = "duet.postgresql.bin";

  /** The Debian package that provides the binaries. */
  public static final String INSTALL_HINT = "apt-get install postgresql";

  private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
  private static final String PREFERRED_VERSION = "15";
  private static final String OS_USER = "postgres";
  private static final String DB_USER = "duet";
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
  private static final int START_ATTEMPTS = 3;

  private final Path binDir;
  private final Path home;
  private final int port;
  private final String password;
  private final long pid;
  private final Thread shutdownHook;
  private boolean closed;

  private PostgresServer(Path binDir, Path home, int port, String password, long pid) {
    this.binDir = binDir;
    this.home = home;
    this.port = port;
    this.password = password;
    this.pid = pid;
    this.shutdownHook = new Thread(this::stopQuietly, "postgres-server-stop-" + pid);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a fresh server from the Debian binaries (see the class comment). */
  public static PostgresServer start() {
    return start(binaries());
  }

  /** Starts a fresh server from the binaries in {@code binDir}. */
  public static PostgresServer start(Path binDir) {
    requireBinaries(binDir);
    Path home;
    try {
      home = Files.createTempDirectory("duet-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a folder for PostgreSQL", e);
    }
    try {
      String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
      initCluster(binDir, home, password);
      IllegalStateException failure = null;
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        int port = freePort();
        try {
          long pid = startServer(binDir, home, port);
          return new PostgresServer(binDir, home, port, password, pid);
        } catch (IllegalStateException e) {
          // Most likely another process took the port between probe and bind: try another one.
          failure = e;
        }
      }
      throw failure;
    } catch (RuntimeException e) {
      deleteTree(home);
      throw e;
    }
  }

  /** The JDBC URL of the server's {@code postgres} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public String user() {
    return DB_USER;
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  /** The PID of the server (the postmaster). */
  public long pid() {
    return pid;
  }

  /** The folder with the unix socket, inside the server's temporary folder. */
  public Path socketDir() {
    return home.resolve("socket");
  }

  /** A configuration for {@code Database.open}: this server, a pool of 10. */
  public DatabaseConfig config() {
    return new DatabaseConfig(jdbcUrl(), user(), password(), DatabaseConfig.DEFAULT_POOL_SIZE);
  }

  /** Whether the server process is still running. */
  public boolean running() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Stops the server (by its PID) and deletes its folder. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to; it finds the server stopped.
    }
  }

  private synchronized void stopQuietly() {
    if (!closed) {
      stop();
    }
  }

  private void stop() {
    closed = true;
    try {
      run(
          home,
          "pg_ctl stop",
          asServerUser(
              binDir.resolve("pg_ctl").toString(),
              "stop",
              "-D",
              home.resolve("data").toString(),
              "-m",
              "fast",
              "-w",
              "-t",
              "30"));
    } catch (IllegalStateException e) {
      System.err.println("PostgresServer: pg_ctl stop failed, killing PID " + pid + ": " + e);
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isPresent() && process.get().isAlive()) {
      process.get().destroyForcibly();
      try {
        process.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("PostgresServer: PID " + pid + " did not exit: " + e);
      }
    }
    deleteTree(home);
  }

  private static Path binaries() {
    String configured = System.getProperty(BIN_PROPERTY, "").strip();
    if (!configured.isEmpty()) {
      return Path.of(configured);
    }
    Path preferred = DEBIAN_ROOT.resolve(PREFERRED_VERSION).resolve("bin");
    if (Files.isExecutable(preferred.resolve("initdb"))) {
      return preferred;
    }
    try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
      return versions
          .map(version -> version.resolve("bin"))
          .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
          .max(Comparator.comparing(PostgresServer::majorVersion))
          .orElse(preferred);
    } catch (IOException e) {
      return preferred;
    }
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void requireBinaries(Path binDir) {
    for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
      if (!Files.isExecutable(binDir.resolve(tool))) {
        throw new IllegalStateException(
            "PostgreSQL server binaries not found: no executable "
                + binDir.resolve(tool)
                + ". The PostgreSQL tests need a real server; install it with `"
                + INSTALL_HINT
                + "` (Debian), or point -D"
                + BIN_PROPERTY
                + " at a folder with initdb, pg_ctl and postgres.");
      }
    }
  }

  private static void initCluster(Path binDir, Path home, String password) {
    try {
      Files.createDirectories(home.resolve("socket"));
      Path passwordFile = home.resolve("password");
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
      Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
      if (runningAsRoot()) {
        UserPrincipalLookupService users = home.getFileSystem().getUserPrincipalLookupService();
        for (Path path : List.of(home, home.resolve("socket"), passwordFile)) {
          Files.setOwner(path, users.lookupPrincipalByName(OS_USER));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot prepare "
              + home
              + " for PostgreSQL"
              + (runningAsRoot()
                  ? " (is there a '" + OS_USER + "' OS user? `" + INSTALL_HINT + "` makes one)"
                  : ""),
          e);
    }
    run(
        home,
        "initdb",
        asServerUser(
            binDir.resolve("initdb").toString(),
            "-D",
            home.resolve("data").toString(),
            "-U",
            DB_USER,
            "--pwfile=" + home.resolve("password"),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions"));
  }

  private static long startServer(Path binDir, Path home, int port) {
    String options =
        String.join(
            " ",
            "-p " + port,
            "-h 127.0.0.1",
            "-k " + home.resolve("socket"),
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=50");
    run(
        home,
        "pg_ctl start",
        asServerUser(
            binDir.resolve("pg_ctl").toString(),
            "start",
            "-D",
            home.resolve("data").toString(),
            "-l",
            home.resolve("postgres.log").toString(),
            "-w",
            "-t",
            "30",
            "-o",
            options));
    Path pidFile = home.resolve("data").resolve("postmaster.pid");
    try {
      return Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("PostgreSQL started but left no readable " + pidFile, e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  private static boolean runningAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static List<String> asServerUser(String... command) {
    List<String> line = new ArrayList<>();
    if (runningAsRoot()) {
      line.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    line.addAll(List.of(command));
    return line;
  }

  /** Runs a command in {@code dir} to completion; fails with its output unless it exits 0. */
  private static void run(Path dir, String what, List<String> command) {
    Path output;
    try {
      output = Files.createTempFile("duet-pg-" + what.replace(' ', '-') + "-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!process.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(what + " did not finish in " + STEP_TIMEOUT);
      }
      if (process.exitValue() != 0) {
        String log =
            dir.resolve("postgres.log").toFile().exists() ? tail(dir.resolve("postgres.log")) : "";
        throw new IllegalStateException(
            what
                + " failed (exit "
                + process.exitValue()
                + "): "
                + String.join(" ", command)
                + "\n"
                + Files.readString(output, StandardCharsets.UTF_8)
                + log);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + what + ": " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + what, e);
    } finally {
      try {
        Files.deleteIfExists(output);
      } catch (IOException ignored) {
        // A temporary log; nothing depends on it.
      }
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "--- postgres.log ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      System.err.println("PostgresServer: cannot delete " + root + ": " + e);
    }
  }
}
