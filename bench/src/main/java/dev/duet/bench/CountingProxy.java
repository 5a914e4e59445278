package dev.duet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TCP proxy on 127.0.0.1 that counts the bytes it carries both ways: the transport's bytes on the
 * wire (TCP payload: HTTP and WebSocket framing included, TCP/IP headers not).
 */
final class CountingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final LongAdder bytes = new LongAdder();

  CountingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "counting-proxy");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  long bytes() {
    return bytes.sum();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket();
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        pipe(client, server);
        pipe(server, client);
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[32 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  bytes.add(n);
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // closed
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // closed
                }
              }
            },
            "counting-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
