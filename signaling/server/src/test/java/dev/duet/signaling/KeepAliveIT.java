package dev.duet.signaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.signaling.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An answer that did not need the request body (a 405 here) must never leave a client reusing a
 * connection the server is about to close: either the body is read and the connection stays usable,
 * or the answer says {@code Connection: close}. And a client that trickles a body must not hold the
 * answer back.
 */
class KeepAliveIT {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aRefusedRequestWithItsBodyKeepsTheConnectionUsable() throws Exception {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      BufferedReader in = reader(s);
      out.write(
          (refusedPut() + "{}" + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(response(in).get(0)).startsWith("HTTP/1.1 405");
      List<String> second = response(in);
      assertThat(second).as("the next request on the same connection").isNotEmpty();
      assertThat(second.get(0)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void aRefusedRequestWhoseBodyIsLateIsAnsweredAtOnceWithConnectionClose() throws Exception {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      BufferedReader in = reader(s);
      out.write(refusedPut().getBytes(StandardCharsets.US_ASCII)); // the body never comes
      out.flush();
      List<String> first = response(in); // answered without waiting for the body
      assertThat(first.get(0)).startsWith("HTTP/1.1 405");
      assertThat(first).anySatisfy(h -> assertThat(h).isEqualToIgnoringCase("Connection: close"));
    }
  }

  private static Socket connect() throws Exception {
    URI base = server.http("/");
    Socket s = new Socket(base.getHost(), base.getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  private static BufferedReader reader(Socket s) throws Exception {
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
  }

  private static String refusedPut() {
    return "PUT /api/recordings/4f9c2a44-0000-4000-8000-000000000001 HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\nAuthorization: Bearer "
        + server.token("keepalive-mod", "moderator")
        + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n";
  }

  /** Status line and headers of one response; its body (Content-Length) is skipped. */
  private static List<String> response(BufferedReader in) throws Exception {
    List<String> lines = new ArrayList<>();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      lines.add(line);
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      in.read();
    }
    return lines;
  }
}
