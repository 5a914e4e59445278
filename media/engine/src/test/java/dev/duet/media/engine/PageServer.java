package dev.duet.media.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/** Serves the browser peer's test page on 127.0.0.1 (a secure context for getUserMedia). */
final class PageServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  PageServer() throws Exception {
    byte[] page;
    try (InputStream in = PageServer.class.getResourceAsStream("/media-page.html")) {
      if (in == null) {
        throw new IOException("media-page.html missing");
      }
      page = in.readAllBytes();
    }
    server = new Server();
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            response.write(true, ByteBuffer.wrap(page), callback);
            return true;
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + connector.getLocalPort() + "/peer.html";
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
