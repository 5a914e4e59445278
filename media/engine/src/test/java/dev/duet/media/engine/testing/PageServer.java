package dev.duet.media.engine.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * Serves the browser peer page (media-page.html) on 127.0.0.1, a secure context for getUserMedia:
 * the engine's browser tests and the media benchmark. JDK server, no dependencies.
 */
public final class PageServer implements AutoCloseable {
  private final HttpServer server;

  public PageServer() throws IOException {
    byte[] page;
    try (InputStream in = PageServer.class.getResourceAsStream("/media-page.html")) {
      if (in == null) {
        throw new IOException("media-page.html missing");
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

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/peer.html";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
