package dev.duet.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * A load-generator process holding idle authenticated connections (a process here may hold at most
 * ~20k file descriptors, so the benches start several, each on its own source address). Started by
 * {@link Agents}; args {@code KIND URL_BASE BIND_ADDRESS USER_PREFIX HEARTBEAT_SECONDS}. On stdin,
 * {@code open N} opens N more connections (users PREFIX0, PREFIX1, ...) and answers {@code opened
 * TOTAL failed F}; {@code quit} (or end of input) exits. Every connection sends its server's
 * heartbeat once per HEARTBEAT_SECONDS, spread evenly, and Duet's connections acknowledge first.
 */
public final class LoadAgent {
  private LoadAgent() {}

  public static void main(String[] args) throws Exception {
    Kind kind = Kind.parse(args[0]);
    String base = args[1]; // ws://127.0.0.1:PORT
    String bind = args[2];
    String prefix = args[3];
    int heartbeat = Integer.parseInt(args[4]);
    WebSocketCoreClient client = Conn.client(bind);
    List<Conn> conns = new ArrayList<>();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    long[] tick = {0};
    timer.scheduleAtFixedRate(
        () -> {
          long t = tick[0]++;
          List<Conn> snapshot;
          synchronized (conns) {
            snapshot = List.copyOf(conns);
          }
          for (int i = (int) (t % heartbeat); i < snapshot.size(); i += heartbeat) {
            Conn c = snapshot.get(i);
            if (c.ready.isDone() && !c.ready.isCompletedExceptionally()) {
              c.heartbeat();
            }
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    BufferedReader in =
        new BufferedReader(
            new InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
    int failed = 0;
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("open ")) {
        int n = Integer.parseInt(line.substring(5).trim());
        Semaphore inFlight = new Semaphore(128);
        List<CompletableFuture<Conn>> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          inFlight.acquire();
          String user;
          synchronized (conns) {
            user = prefix + conns.size();
          }
          String path = kind.path(user);
          Conn c = new Conn(kind, user, (conn, text) -> {});
          synchronized (conns) {
            conns.add(c);
          }
          c.ready.whenComplete((x, e) -> inFlight.release());
          c.connect(client, base + path);
          batch.add(c.ready);
        }
        for (CompletableFuture<Conn> f : batch) {
          try {
            f.get(120, TimeUnit.SECONDS);
          } catch (Exception e) {
            failed++;
            if (failed <= 3) {
              System.err.println("connect failed: " + e);
            }
          }
        }
        System.out.println("opened " + conns.size() + " failed " + failed);
        System.out.flush();
      } else if (line.equals("quit")) {
        break;
      }
    }
    timer.shutdownNow();
    Runtime.getRuntime().halt(0); // the OS closes the sockets; nothing to flush
  }
}
