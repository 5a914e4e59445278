package dev.duet.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link LoadAgent} processes of one run, one per source address 127.0.0.2, .3, ...;
 * connections are added to them in turn, at most {@link #PER_AGENT} each.
 */
final class Agents implements AutoCloseable {
  static final int PER_AGENT = 6500;

  private record Agent(Process process, PrintWriter in, BufferedReader out, int[] held) {}

  private final List<Agent> agents = new ArrayList<>();
  private final Target target;
  private long failed;

  Agents(Target target, int count) throws IOException {
    this.target = target;
    for (int i = 0; i < count; i++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              "java",
              "-Xmx768m",
              "-XX:+UseSerialGC",
              "-cp",
              Target.BENCH_JAR.toString(),
              "dev.duet.bench.LoadAgent",
              target.kind.name(),
              "ws://127.0.0.1:" + target.port,
              "127.0.0." + (i + 2),
              "idle" + i + "u",
              "60");
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      Process p = pb.start();
      agents.add(
          new Agent(
              p,
              new PrintWriter(
                  new java.io.OutputStreamWriter(
                      p.getOutputStream(), java.nio.charset.StandardCharsets.UTF_8),
                  true),
              new BufferedReader(
                  new InputStreamReader(
                      p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)),
              new int[2]));
    }
  }

  /** Agents enough for {@code connections}. */
  static int needed(int connections) {
    return Math.max(1, (connections + PER_AGENT - 1) / PER_AGENT);
  }

  /** Opens {@code n} more idle connections, spread over the agents; returns the total held. */
  long open(int n) throws IOException {
    int per = (n + agents.size() - 1) / agents.size();
    int left = n;
    List<Agent> asked = new ArrayList<>();
    for (Agent a : agents) {
      int k = Math.min(per, left);
      if (k == 0) {
        break;
      }
      a.in().println("open " + k);
      asked.add(a);
      left -= k;
    }
    for (Agent a : asked) {
      for (String line; (line = a.out().readLine()) != null; ) {
        if (line.startsWith("opened ")) {
          String[] f = line.split(" ");
          a.held()[0] = Integer.parseInt(f[1]);
          a.held()[1] = Integer.parseInt(f[3]);
          break;
        }
      }
    }
    long total = 0;
    failed = 0;
    for (Agent a : agents) {
      total += a.held()[0] - a.held()[1];
      failed += a.held()[1];
    }
    return total;
  }

  /** Connections that failed to open so far (all agents). */
  long failed() {
    return failed;
  }

  Target target() {
    return target;
  }

  @Override
  public void close() {
    for (Agent a : agents) {
      a.in().println("quit");
    }
    for (Agent a : agents) {
      try {
        if (!a.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          a.process().destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        a.process().destroyForcibly();
      }
    }
  }
}
