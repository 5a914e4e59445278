package dev.duet.signaling.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.duet.store.Recording;
import dev.duet.store.RecordingStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The moderators' REST API over real HTTP against the real server ({@link ModerationServer}), with
 * real WebM files.
 */
class RecordingsApiIT {
  static ModerationServer server;
  static HttpClient http;
  static String mod;
  static String user;
  static Path webm;
  static byte[] bytes;
  static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

  @BeforeAll
  static void start() throws IOException {
    server = ModerationServer.start();
    http = HttpClient.newHttpClient();
    mod = server.token("maria", "moderator");
    user = server.token("mallory");
    webm = WebmFiles.write(server.recordingsDir().resolve("template.webm"), 4, 440);
    bytes = Files.readAllBytes(webm);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A recorded call between two parties (unique names per test): both files, catalogued. */
  static List<Recording> recordedCall(String a, String b, Instant startedAt) throws IOException {
    String callId = UUID.randomUUID().toString();
    List<Recording> out = new ArrayList<>();
    for (String party : List.of(a, b)) {
      Path file = server.catalog().files().newFile(callId, party);
      Files.write(file, bytes);
      out.add(server.catalog().catalogue(callId, party, file, startedAt, false));
    }
    return out;
  }

  static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  record Reply(int status, HttpResponse<byte[]> response) {
    JsonObject json() {
      return JsonParser.parseString(new String(response.body(), StandardCharsets.UTF_8))
          .getAsJsonObject();
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }

    String errorCode() {
      return json().getAsJsonObject("error").get("code").getAsString();
    }
  }

  static Reply send(String method, String path, String token, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.http(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(r.statusCode(), r);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Reply get(String path, String token, String... headers) {
    return send("GET", path, token, null, headers);
  }

  static List<String> ids(JsonObject list) {
    List<String> ids = new ArrayList<>();
    list.getAsJsonArray("recordings")
        .forEach(e -> ids.add(e.getAsJsonObject().get("id").getAsString()));
    return ids;
  }

  static List<JsonObject> audit(String recordingId) {
    JsonArray entries =
        get("/api/audit?recording=" + recordingId + "&limit=200", mod)
            .json()
            .getAsJsonArray("entries");
    List<JsonObject> out = new ArrayList<>();
    entries.forEach(e -> out.add(e.getAsJsonObject()));
    return out;
  }

  static List<String> actions(String recordingId) {
    return audit(recordingId).stream().map(e -> e.get("action").getAsString()).toList();
  }

  @Test
  void withoutATokenEveryEndpointIs401() throws IOException {
    String id = recordedCall(unique("a"), unique("b"), T0).get(0).recordingId();
    for (String[] req :
        new String[][] {
          {"GET", "/api/recordings"},
          {"GET", "/api/recordings/" + id},
          {"GET", "/api/recordings/" + id + "/media"},
          {"POST", "/api/recordings/" + id + "/flags"},
          {"POST", "/api/recordings/" + id + "/hold"},
          {"DELETE", "/api/recordings/" + id},
          {"GET", "/api/audit"}
        }) {
      Reply r = send(req[0], req[1], null, req[0].equals("GET") ? null : "{}");
      assertThat(r.status()).as(req[0] + " " + req[1]).isEqualTo(401);
      assertThat(r.errorCode()).isEqualTo("unauthorized");
      assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
    }
    assertThat(get("/api/recordings", "not-a-jwt").status()).isEqualTo(401);
  }

  @Test
  void anyoneButAModeratorIs403AndChangesNothing() throws IOException {
    Recording rec = recordedCall(unique("a"), unique("b"), T0).get(0);
    String id = rec.recordingId();
    String party = server.token(rec.party()); // even a party of the call
    for (String token : List.of(user, party, server.token("root", "admin", "operator"))) {
      for (String[] req :
          new String[][] {
            {"GET", "/api/recordings"},
            {"GET", "/api/recordings/" + id},
            {"GET", "/api/recordings/" + id + "/media"},
            {"POST", "/api/recordings/" + id + "/flags"},
            {"POST", "/api/recordings/" + id + "/hold"},
            {"DELETE", "/api/recordings/" + id},
            {"GET", "/api/audit"}
          }) {
        Reply r = send(req[0], req[1], token, req[0].equals("GET") ? null : "{\"reason\":\"x\"}");
        assertThat(r.status()).as(req[0] + " " + req[1]).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("forbidden");
        assertThat(new String(r.response().body(), StandardCharsets.UTF_8)).doesNotContain("webm");
      }
    }
    Recording now = server.database().recordings().find(id).orElseThrow();
    assertThat(now.flagged()).isFalse();
    assertThat(now.legalHold()).isFalse();
    assertThat(now.deleted()).isFalse();
    assertThat(actions(id)).containsExactly("recording.catalogue");
  }

  @Test
  void aModeratorListsFiltersAndPages() throws IOException {
    String alice = unique("alice");
    String bob = unique("bob");
    String carol = unique("carol");
    Instant day1 = Instant.parse("2024-05-01T09:00:00Z");
    Instant day2 = Instant.parse("2024-05-02T09:00:00Z");
    Instant day3 = Instant.parse("2024-05-03T09:00:00Z");
    List<Recording> c1 = recordedCall(alice, bob, day1);
    List<Recording> c2 = recordedCall(alice, carol, day2);
    List<Recording> c3 = recordedCall(alice, bob, day3);
    String callId = UUID.randomUUID().toString();
    Recording failed =
        server
            .catalog()
            .catalogue(callId, alice, server.catalog().files().newFile(callId, alice), day2, false);
    assertThat(failed.status()).isEqualTo(RecordingStatus.FAILED);

    JsonObject all = get("/api/recordings?user=" + alice, mod).json();
    assertThat(all.get("total").getAsLong()).isEqualTo(4);
    // Newest first; the two of day 2 in either order (ties go by recording id).
    assertThat(ids(all))
        .hasSize(4)
        .startsWith(c3.get(0).recordingId())
        .endsWith(c1.get(0).recordingId())
        .contains(c2.get(0).recordingId(), failed.recordingId());
    JsonObject first = all.getAsJsonArray("recordings").get(0).getAsJsonObject();
    assertThat(first.get("callId").getAsString()).isEqualTo(c3.get(0).callId());
    assertThat(first.get("party").getAsString()).isEqualTo(alice);
    assertThat(first.get("status").getAsString()).isEqualTo("ok");
    assertThat(first.get("durationMs").getAsLong()).isBetween(3900L, 4100L);
    assertThat(first.get("codecs").toString()).isEqualTo("[\"vp8\",\"opus\"]");
    assertThat(first.get("sizeBytes").getAsLong()).isEqualTo(bytes.length);
    assertThat(first.get("sha256").getAsString()).hasSize(64);
    assertThat(first.get("startedAt").getAsLong()).isEqualTo(day3.toEpochMilli());
    assertThat(first.get("media").getAsString())
        .isEqualTo("/api/recordings/" + c3.get(0).recordingId() + "/media");

    assertThat(ids(get("/api/recordings?user=" + alice + "&status=failed", mod).json()))
        .containsExactly(failed.recordingId());
    assertThat(ids(get("/api/recordings?user=" + bob, mod).json()))
        .containsExactly(c3.get(1).recordingId(), c1.get(1).recordingId());
    assertThat(
            ids(
                get("/api/recordings?user=" + alice + "&from=2024-05-02&to=2024-05-02", mod)
                    .json()))
        .containsExactlyInAnyOrder(c2.get(0).recordingId(), failed.recordingId());
    assertThat(ids(get("/api/recordings?user=" + alice + "&from=2024-05-02T12:00:00Z", mod).json()))
        .containsExactly(c3.get(0).recordingId());
    assertThat(ids(get("/api/recordings?user=" + alice + "&to=" + day2.toEpochMilli(), mod).json()))
        .containsExactly(c1.get(0).recordingId());

    send(
        "POST",
        "/api/recordings/" + c2.get(0).recordingId() + "/flags",
        mod,
        "{\"reason\":\"abuse\"}");
    assertThat(ids(get("/api/recordings?user=" + alice + "&flagged=true", mod).json()))
        .containsExactly(c2.get(0).recordingId());
    assertThat(ids(get("/api/recordings?user=" + alice + "&flagged=false", mod).json()))
        .hasSize(3)
        .doesNotContain(c2.get(0).recordingId());

    JsonObject page1 = get("/api/recordings?user=" + alice + "&limit=3", mod).json();
    assertThat(ids(page1)).hasSize(3);
    assertThat(page1.get("nextOffset").getAsInt()).isEqualTo(3);
    JsonObject page2 = get("/api/recordings?user=" + alice + "&limit=3&offset=3", mod).json();
    assertThat(ids(page2)).containsExactly(c1.get(0).recordingId());
    assertThat(ids(page1)).doesNotContainAnyElementsOf(ids(page2));
    assertThat(page2.has("nextOffset")).isFalse();

    for (String bad :
        List.of(
            "status=fine",
            "limit=0",
            "limit=201",
            "offset=-1",
            "from=yesterday",
            "flagged=yes",
            "user=a%20b")) {
      Reply r = get("/api/recordings?" + bad, mod);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("bad_request");
    }
  }

  @Test
  void aModeratorSeesOneRecordingWithItsFlagsAndTheOtherPartyOfTheCall() throws IOException {
    List<Recording> call = recordedCall(unique("a"), unique("b"), T0);
    String id = call.get(0).recordingId();
    send(
        "POST",
        "/api/recordings/" + id + "/flags",
        mod,
        "{\"reason\":\"harassment\",\"note\":\"at 0:02\"}");

    Reply r = get("/api/recordings/" + id, mod);

    assertThat(r.status()).isEqualTo(200);
    JsonObject o = r.json();
    assertThat(o.get("id").getAsString()).isEqualTo(id);
    assertThat(o.get("flagged").getAsBoolean()).isTrue();
    JsonObject flag = o.getAsJsonArray("flags").get(0).getAsJsonObject();
    assertThat(flag.get("moderator").getAsString()).isEqualTo("maria");
    assertThat(flag.get("reason").getAsString()).isEqualTo("harassment");
    assertThat(flag.get("note").getAsString()).isEqualTo("at 0:02");
    List<String> ofCall = new ArrayList<>();
    o.getAsJsonArray("callRecordings")
        .forEach(e -> ofCall.add(e.getAsJsonObject().get("id").getAsString()));
    assertThat(ofCall).containsExactlyInAnyOrder(id, call.get(1).recordingId());

    assertThat(get("/api/recordings/" + UUID.randomUUID(), mod).status()).isEqualTo(404);
    assertThat(get("/api/recordings/" + UUID.randomUUID(), mod).errorCode()).isEqualTo("not_found");
  }

  @Test
  void mediaIsServedWithRangeRequests() throws IOException {
    String id = recordedCall(unique("a"), unique("b"), T0).get(0).recordingId();
    String media = "/api/recordings/" + id + "/media";
    int size = bytes.length;

    Reply whole = get(media, mod);
    assertThat(whole.status()).isEqualTo(200);
    assertThat(whole.header("Content-Type")).isEqualTo("video/webm");
    assertThat(whole.header("Accept-Ranges")).isEqualTo("bytes");
    assertThat(whole.header("Content-Length")).isEqualTo(Integer.toString(size));
    assertThat(whole.response().body()).isEqualTo(bytes);

    Reply head = get(media, mod, "Range", "bytes=0-99");
    assertThat(head.status()).isEqualTo(206);
    assertThat(head.header("Content-Range")).isEqualTo("bytes 0-99/" + size);
    assertThat(head.header("Content-Length")).isEqualTo("100");
    assertThat(head.response().body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 100));

    int mid = size / 2;
    Reply middle = get(media, mod, "Range", "bytes=" + mid + "-" + (mid + 999));
    assertThat(middle.status()).isEqualTo(206);
    assertThat(middle.header("Content-Range"))
        .isEqualTo("bytes " + mid + "-" + (mid + 999) + "/" + size);
    assertThat(middle.response().body()).isEqualTo(Arrays.copyOfRange(bytes, mid, mid + 1000));

    Reply open = get(media, mod, "Range", "bytes=" + (size - 10) + "-");
    assertThat(open.status()).isEqualTo(206);
    assertThat(open.response().body()).isEqualTo(Arrays.copyOfRange(bytes, size - 10, size));

    Reply suffix = get(media, mod, "Range", "bytes=-500");
    assertThat(suffix.status()).isEqualTo(206);
    assertThat(suffix.header("Content-Range"))
        .isEqualTo("bytes " + (size - 500) + "-" + (size - 1) + "/" + size);
    assertThat(suffix.response().body()).isEqualTo(Arrays.copyOfRange(bytes, size - 500, size));

    Reply pastEnd = get(media, mod, "Range", "bytes=" + (size - 5) + "-" + (size + 5000));
    assertThat(pastEnd.status()).isEqualTo(206);
    assertThat(pastEnd.header("Content-Range"))
        .isEqualTo("bytes " + (size - 5) + "-" + (size - 1) + "/" + size);

    Reply unsatisfiable = get(media, mod, "Range", "bytes=" + size + "-");
    assertThat(unsatisfiable.status()).isEqualTo(416);
    assertThat(unsatisfiable.header("Content-Range")).isEqualTo("bytes */" + size);
    assertThat(get(media, mod, "Range", "bytes=-0").status()).isEqualTo(416);

    Reply several = get(media, mod, "Range", "bytes=0-1,5-6");
    assertThat(several.status()).isEqualTo(200);
    assertThat(several.response().body()).isEqualTo(bytes);

    Reply staleIfRange = get(media, mod, "Range", "bytes=0-9", "If-Range", "\"other\"");
    assertThat(staleIfRange.status()).isEqualTo(200);
    Reply freshIfRange = get(media, mod, "Range", "bytes=0-9", "If-Range", whole.header("ETag"));
    assertThat(freshIfRange.status()).isEqualTo(206);

    Reply headOnly = send("HEAD", media, mod, null);
    assertThat(headOnly.status()).isEqualTo(200);
    assertThat(headOnly.header("Content-Length")).isEqualTo(Integer.toString(size));

    // A <video> element cannot send headers: it plays with a ticket for this recording.
    Reply issued = send("POST", "/api/recordings/" + id + "/ticket", mod, null);
    assertThat(issued.status()).isEqualTo(201);
    String ticketed = issued.json().get("media").getAsString();
    assertThat(ticketed).startsWith(media + "?ticket=");
    assertThat(issued.json().get("expiresAt").getAsLong())
        .isGreaterThan(System.currentTimeMillis());
    assertThat(get(ticketed, null, "Range", "bytes=0-0").status()).isEqualTo(206);
    assertThat(get(ticketed, null, "Range", "bytes=100-199").response().body())
        .isEqualTo(Arrays.copyOfRange(bytes, 100, 200)); // a seek with the same ticket

    // Plays are audited when they start (from byte 0), not at every seek.
    assertThat(actions(id).stream().filter(a -> a.equals("recording.play")).count())
        .isEqualTo(6); // whole, 0-99, the two ranges (sent whole), two If-Range, the ticket
  }

  @Test
  void aPlayThatNeverAsksForByteZeroIsAuditedToo() throws IOException {
    String id = recordedCall(unique("a"), unique("b"), T0).get(0).recordingId();
    String media = "/api/recordings/" + id + "/media";
    // Byte 0 of a WebM file is always the same: everything else is the whole recording.
    Reply rest = get(media, mod, "Range", "bytes=1-");
    assertThat(rest.status()).isEqualTo(206);
    assertThat(rest.response().body()).isEqualTo(Arrays.copyOfRange(bytes, 1, bytes.length));
    get(media, mod, "Range", "bytes=2-"); // the same moderator seeking on: one play
    assertThat(actions(id).stream().filter(a -> a.equals("recording.play")).count()).isEqualTo(1);
  }

  @Test
  void playTicketsAreBoundToOneRecordingsMediaAndTokensStayOutOfUrls() throws IOException {
    List<Recording> call = recordedCall(unique("a"), unique("b"), T0);
    String id = call.get(0).recordingId();
    String other = call.get(1).recordingId();
    String ticket =
        send("POST", "/api/recordings/" + id + "/ticket", mod, null)
            .json()
            .get("media")
            .getAsString()
            .replaceFirst(".*\\?ticket=", "");

    Reply wrongRecording =
        get("/api/recordings/" + other + "/media?ticket=" + ticket, null, "Range", "bytes=0-0");
    assertThat(wrongRecording.status()).isEqualTo(401);
    assertThat(wrongRecording.errorCode()).isEqualTo("unauthorized");
    assertThat(get("/api/recordings/" + id + "?ticket=" + ticket, null).status()).isEqualTo(401);
    assertThat(get("/api/recordings?ticket=" + ticket, null).status()).isEqualTo(401);
    assertThat(get("/api/recordings/" + id + "/media?ticket=forged", null).status()).isEqualTo(401);
    // Only moderators get tickets, and only for recordings that can be played.
    assertThat(send("POST", "/api/recordings/" + id + "/ticket", user, null).status())
        .isEqualTo(403);
    assertThat(send("POST", "/api/recordings/" + UUID.randomUUID() + "/ticket", mod, null).status())
        .isEqualTo(404);
    assertThat(get("/api/recordings/" + id + "/ticket", mod).status()).isEqualTo(405);
    // The moderators' API takes its token in the Authorization header only.
    Reply queryToken = get("/api/recordings/" + id + "/media?access_token=" + mod, null);
    assertThat(queryToken.status()).isEqualTo(401);
    assertThat(new String(queryToken.response().body(), java.nio.charset.StandardCharsets.UTF_8))
        .doesNotContain(mod);
  }

  @Test
  void flagHoldAndDeleteWorkAndHoldBlocksDelete() throws IOException {
    List<Recording> call = recordedCall(unique("a"), unique("b"), T0);
    Recording rec = call.get(0);
    String id = rec.recordingId();
    Path file = server.catalog().files().resolve(rec.filePath()).orElseThrow();

    Reply flag =
        send(
            "POST",
            "/api/recordings/" + id + "/flags",
            mod,
            "{\"reason\":\"spam\",\"note\":\"n\"}");
    assertThat(flag.status()).isEqualTo(201);
    assertThat(flag.json().get("moderator").getAsString()).isEqualTo("maria");
    assertThat(
            send("POST", "/api/recordings/" + id + "/flags", mod, "{\"note\":\"no reason\"}")
                .status())
        .isEqualTo(400);
    for (String malformed :
        new String[] {"{not json", "{reason:'spam'}", "{\"reason\":\"x\"} {}"}) {
      assertThat(send("POST", "/api/recordings/" + id + "/flags", mod, malformed).status())
          .as(malformed)
          .isEqualTo(400);
    }

    Reply hold = send("POST", "/api/recordings/" + id + "/hold", mod, "{\"note\":\"case 42\"}");
    assertThat(hold.status()).isEqualTo(200);
    assertThat(hold.json().get("legalHold").getAsBoolean()).isTrue();

    Reply refused = send("DELETE", "/api/recordings/" + id, mod, null);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.errorCode()).isEqualTo("invalid_state");
    assertThat(file).exists();
    assertThat(server.database().recordings().find(id).orElseThrow().deleted()).isFalse();

    Reply release = send("DELETE", "/api/recordings/" + id + "/hold", mod, null);
    assertThat(release.json().get("legalHold").getAsBoolean()).isFalse();

    Reply deleted = send("DELETE", "/api/recordings/" + id, mod, null);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("deletedAt").getAsLong()).isPositive();
    assertThat(file).doesNotExist();
    Recording gone = server.database().recordings().find(id).orElseThrow();
    assertThat(gone.deleted()).isTrue();
    assertThat(get("/api/recordings/" + id + "/media", mod).status()).isEqualTo(410);
    assertThat(send("DELETE", "/api/recordings/" + id, mod, null).status()).isEqualTo(410);
    assertThat(ids(get("/api/recordings?user=" + rec.party(), mod).json())).isEmpty();
    assertThat(ids(get("/api/recordings?user=" + rec.party() + "&deleted=true", mod).json()))
        .containsExactly(id);
    assertThat(get("/api/recordings/" + id, mod).json().get("deletedAt").getAsLong()).isPositive();
    // The other party's recording is untouched.
    assertThat(server.catalog().files().resolve(call.get(1).filePath())).isPresent();

    Reply unflag = send("DELETE", "/api/recordings/" + id + "/flags", mod, null);
    assertThat(unflag.status()).isEqualTo(200);
    assertThat(send("PUT", "/api/recordings/" + id, mod, "{}").status()).isEqualTo(405);
    assertThat(send("POST", "/api/recordings", mod, "{}").status()).isEqualTo(405);
  }

  @Test
  void theAuditLogShowsEveryActionWithTheModeratorsName() throws IOException {
    String id = recordedCall(unique("a"), unique("b"), T0).get(0).recordingId();
    String sam = server.token("sam", "moderator");
    get("/api/recordings?user=nobody-" + id, sam);
    get("/api/recordings/" + id, sam);
    get("/api/recordings/" + id + "/media", sam, "Range", "bytes=0-");
    get("/api/recordings/" + id + "/media", sam, "Range", "bytes=1000-2000"); // a seek: not a play
    send(
        "POST",
        "/api/recordings/" + id + "/flags",
        sam,
        "{\"reason\":\"abuse\",\"note\":\"shouting\"}");
    send("POST", "/api/recordings/" + id + "/hold", sam, null);
    send("DELETE", "/api/recordings/" + id + "/hold", sam, null);
    send("DELETE", "/api/recordings/" + id, sam, null);

    List<JsonObject> entries = audit(id);
    assertThat(entries.stream().map(e -> e.get("action").getAsString()).toList())
        .containsExactly(
            "recording.delete",
            "recording.release",
            "recording.hold",
            "recording.flag",
            "recording.play",
            "recording.view",
            "recording.catalogue");
    assertThat(entries.subList(0, 6))
        .allSatisfy(
            e -> {
              assertThat(e.get("actor").getAsString()).isEqualTo("sam");
              assertThat(e.get("targetType").getAsString()).isEqualTo("recording");
              assertThat(e.get("targetId").getAsString()).isEqualTo(id);
              assertThat(e.get("at").getAsLong()).isPositive();
            });
    assertThat(entries.get(3).get("detail").getAsString()).isEqualTo("abuse: shouting");
    assertThat(entries.get(0).get("detail").getAsString()).contains("file deleted");

    JsonArray all = get("/api/audit?limit=200", mod).json().getAsJsonArray("entries");
    assertThat(all.asList().stream().map(JsonElement::getAsJsonObject))
        .anySatisfy(
            e -> {
              assertThat(e.get("action").getAsString()).isEqualTo("recording.list");
              assertThat(e.get("actor").getAsString()).isEqualTo("sam");
              assertThat(e.get("detail").getAsString()).contains("user=nobody-" + id);
            });

    JsonObject page = get("/api/audit?recording=" + id + "&limit=2", mod).json();
    assertThat(page.getAsJsonArray("entries")).hasSize(2);
    long before = page.get("nextBefore").getAsLong();
    JsonObject next = get("/api/audit?recording=" + id + "&limit=2&before=" + before, mod).json();
    assertThat(next.getAsJsonArray("entries").get(0).getAsJsonObject().get("action").getAsString())
        .isEqualTo("recording.hold");
    // An empty value is no value, as for every other parameter.
    assertThat(get("/api/audit?recording=" + id + "&limit=2&before=", mod).json()).isEqualTo(page);
    assertThat(get("/api/audit?recording=&limit=200", mod).status()).isEqualTo(200);
    assertThat(get("/api/audit?recording=../x", mod).status()).isEqualTo(400);
  }

  @Test
  void idsCannotReachFilesOutsideTheRecordingsFolder() throws Exception {
    recordedCall(unique("a"), unique("b"), T0);
    Files.writeString(server.recordingsDir().getParent().resolve("secret.txt"), "top secret");
    for (String id :
        List.of(
            "..%2F..%2Fetc%2Fpasswd",
            "..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "%2Fetc%2Fpasswd",
            "..",
            "..%2Fsecret.txt",
            "%2E%2E%2Fsecret.txt",
            "template.webm",
            "a.b",
            "C:%5Cwindows",
            "%00",
            "x".repeat(65),
            "-leading-dash")) {
      for (String suffix : List.of("", "/media")) {
        Reply r = get("/api/recordings/" + id + suffix, mod);
        assertThat(r.status()).as(id + suffix).isIn(400, 404);
        assertThat(new String(r.response().body(), StandardCharsets.UTF_8))
            .doesNotContain("root:")
            .doesNotContain("top secret");
        assertThat(r.header("Content-Type")).isNotEqualTo("video/webm");
      }
    }
    // Raw requests, not normalised by any client.
    for (String path :
        List.of(
            "/api/recordings/../../../../etc/passwd",
            "/api/recordings/..%2f..%2f..%2fetc%2fpasswd/media",
            "/api/recordings/%2e%2e/%2e%2e/secret.txt")) {
      String raw = rawGet(path);
      assertThat(raw).as(path).doesNotContain("root:").doesNotContain("top secret");
      assertThat(raw.substring(9, 12)).as(path).isIn("400", "404");
    }
    // A catalogued file that is a symbolic link out of the folder is not served either.
    String callId = UUID.randomUUID().toString();
    Path link = server.recordingsDir().resolve(callId).resolve("eve.webm");
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, Path.of("/etc/passwd"));
    Recording linked = server.catalog().catalogue(callId, "eve", link, T0, false);
    assertThat(linked.status()).isEqualTo(RecordingStatus.FAILED);
    Reply r = get("/api/recordings/" + linked.recordingId() + "/media", mod);
    assertThat(r.status()).isEqualTo(404);
    assertThat(new String(r.response().body(), StandardCharsets.UTF_8)).doesNotContain("root:");
  }

  static String rawGet(String path) throws IOException {
    URI base = server.base();
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + base.getAuthority()
                  + "\r\nAuthorization: Bearer "
                  + mod
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
