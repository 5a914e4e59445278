package dev.duet.bench.media;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** /proc readings of one process: CPU ticks (USER_HZ = 100), VmRSS, threads. */
final class ProcStats {
  static final double USER_HZ = 100.0;

  private ProcStats() {}

  /** utime + stime of the process (all threads, not children), in ticks. */
  static long cpuTicks(long pid) throws IOException {
    return ticksOf(Files.readString(Path.of("/proc/" + pid + "/stat")));
  }

  private static long ticksOf(String stat) {
    // comm may contain spaces: fields after the last ')' start at field 3 (state).
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 (utime), 15 (stime)
  }

  private static String commOf(String stat) {
    return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  }

  static long statusKb(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        String v = line.substring(key.length() + 1).trim().split("\\s+")[0];
        return Long.parseLong(v);
      }
    }
    return -1;
  }

  /** Per-thread ticks keyed by "tid name". */
  static Map<String, Long> threadTicks(long pid) throws IOException {
    Map<String, Long> out = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          out.put(t.getFileName() + " " + commOf(stat), ticksOf(stat));
        } catch (IOException gone) {
          // thread exited
        }
      }
    }
    return out;
  }
}
