package dev.duet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** A results file, bench/results/NAME.md: date, machine, command, then the bench's sections. */
final class Report {
  static final Path DIR = Path.of("bench/results");

  private final String name;
  private final StringBuilder md = new StringBuilder();
  private final String loadBefore;

  Report(String name, String title, String command) throws IOException {
    this.name = name;
    this.loadBefore = load();
    md.append("# ").append(title).append("\n\n");
    md.append("- Date: ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME))
        .append("\n");
    md.append("- Machine: ").append(machine()).append("\n");
    md.append("- Command: `").append(command).append("`\n");
  }

  static String machine() {
    try {
      String model =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 2))
              .orElse("?");
      long memMb =
          Long.parseLong(
                  Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("[^0-9]", ""))
              / 1024;
      return Runtime.getRuntime().availableProcessors()
          + " vCPU ("
          + model
          + "), "
          + memMb
          + " MB RAM, Java "
          + System.getProperty("java.version")
          + ", "
          + run("node", "--version")
          + ", fd limit 20000 per process";
    } catch (IOException e) {
      return "?";
    }
  }

  static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .trim();
      p.waitFor();
      return out;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  Report line(String s) {
    md.append(s).append("\n");
    return this;
  }

  Report table(List<String> header, List<List<String>> rows) {
    md.append("\n| ").append(String.join(" | ", header)).append(" |\n|");
    md.append("---|".repeat(header.size())).append("\n");
    for (List<String> r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    md.append("\n");
    return this;
  }

  /** Writes a data file and renders it with gnuplot (if installed); links the PNG. */
  void chart(String suffix, String data, String gnuplotScript) throws IOException {
    Files.createDirectories(DIR);
    Path dat = DIR.resolve(name + "-" + suffix + ".dat");
    Path png = DIR.resolve(name + "-" + suffix + ".png");
    Files.writeString(dat, data);
    Path gp = Files.createTempFile("bench", ".gp");
    Files.writeString(
        gp,
        "set terminal pngcairo size 900,520 font 'sans,10'\nset output '"
            + png
            + "'\ndat='"
            + dat
            + "'\n"
            + gnuplotScript);
    String out = run("gnuplot", gp.toString());
    if (Files.exists(png)) {
      md.append("\n![").append(suffix).append("](").append(png.getFileName()).append(")\n");
    } else {
      md.append("\n(chart not drawn: gnuplot said ").append(out).append(")\n");
    }
  }

  Path write() throws IOException {
    md.append("\n- Load average (1/5/15 min) at start: ")
        .append(loadBefore)
        .append("; at end: ")
        .append(load())
        .append(
            ". Other processes (other engineers' builds and tests) share the 2 vCPUs; absolute"
                + " figures move with them, same-run ratios less so.\n");
    Files.createDirectories(DIR);
    Path p = DIR.resolve(name + ".md");
    Files.writeString(p, md.toString());
    System.out.println("wrote " + p);
    return p;
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /** "median (min-max)" with {@code fmt} for each number. */
  static String mmm(List<Double> xs, String fmt) {
    if (xs.isEmpty()) {
      return "-";
    }
    double min = xs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    String m = String.format(Locale.ROOT, fmt, median(xs));
    return xs.size() == 1
        ? m
        : m
            + " ("
            + String.format(Locale.ROOT, fmt, min)
            + "-"
            + String.format(Locale.ROOT, fmt, max)
            + ")";
  }

  static String f(String fmt, Object... args) {
    return String.format(Locale.ROOT, fmt, args);
  }

  /** Least-squares slope of y over x. */
  static double slope(List<Double> x, List<Double> y) {
    int n = x.size();
    double mx = x.stream().mapToDouble(d -> d).average().orElse(0);
    double my = y.stream().mapToDouble(d -> d).average().orElse(0);
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      num += (x.get(i) - mx) * (y.get(i) - my);
      den += (x.get(i) - mx) * (x.get(i) - mx);
    }
    return num / den;
  }

  static List<Kind> kinds(String csv) {
    List<Kind> ks = new ArrayList<>();
    for (String s : csv.split(",")) {
      ks.add(Kind.parse(s));
    }
    return ks;
  }

  static java.util.Map<String, String> opts(String[] args) {
    java.util.Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      m.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return m;
  }

  static String cmd(String name, String[] args) {
    return "./duet bench "
        + name
        + (args.length == 0 ? "" : " " + String.join(" ", Arrays.asList(args)));
  }
}
