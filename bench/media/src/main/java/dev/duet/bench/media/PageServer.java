package dev.duet.bench.media;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/** Serves the peer page on 127.0.0.1 (a secure context for getUserMedia). JDK server, no deps. */
final class PageServer implements AutoCloseable {
  private final HttpServer server;

  PageServer() throws IOException {
    byte[] page;
    try (InputStream in = PageServer.class.getResourceAsStream("/bench-page.html")) {
      if (in == null) {
        throw new IOException("bench-page.html missing");
      }
      page = in.readAllBytes();
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, page.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(page);
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/peer.html";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
