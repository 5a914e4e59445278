package dev.duet.signaling;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps the layering of DESIGN.md true. */
class ArchitectureTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.duet");

  @Test
  void theRulesSeeTheWholeProject() {
    // Rules over an empty import would pass vacuously: make sure every layer is in it.
    for (String name :
        new String[] {
          "dev.duet.signaling.call.CallBook",
          "dev.duet.protocol.Codec",
          "dev.duet.signaling.Switchboard",
          "dev.duet.store.Database",
          "dev.duet.media.KurentoMediaRelay"
        }) {
      assertThat(CLASSES.contain(name)).as(name).isTrue();
    }
  }

  @Test
  void onlyTheMediaRelayTalksToKurento() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.duet.media")
        .and()
        .resideOutsideOfPackage("dev.duet.media.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.kurento..")
        .check(CLASSES);
  }

  @Test
  void callLogicIsPure() {
    noClasses()
        .that()
        .resideInAPackage("dev.duet.signaling.call..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.eclipse.jetty..",
            "com.google.gson..",
            "org.kurento..",
            "java.sql..",
            "javax.sql..",
            "dev.duet.store..",
            "dev.duet.signaling.session..",
            "dev.duet.signaling.transport..",
            "dev.duet.signaling.http..")
        .check(CLASSES);
  }

  @Test
  void protocolDependsOnGsonOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.duet.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.eclipse.jetty..", "dev.duet.signaling..", "dev.duet.store..")
        .check(CLASSES);
  }

  @Test
  void sessionsKnowNoTransportOrHttp() {
    noClasses()
        .that()
        .resideInAPackage("dev.duet.signaling.session..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.eclipse.jetty..", "dev.duet.signaling.transport..", "dev.duet.signaling.http..")
        .check(CLASSES);
  }

  @Test
  void onlyTheStoreTouchesJdbc() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.duet.store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.sql..", "com.zaxxer..", "org.flywaydb..")
        .check(CLASSES);
  }

  @Test
  void noGstreamerOrKurentoInSignaling() {
    noClasses()
        .that()
        .resideInAPackage("dev.duet.signaling..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.freedesktop.gstreamer..", "org.kurento..")
        .check(CLASSES);
  }
}
