package io.weft.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.k8s.local.LocalClusterBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The viz dashboard of the demo's mesh in real headless Chromium (Debian's chromium and
 * chromium-driver, driven by Selenium): workloads with numbers that change while vote-bot votes,
 * the edge graph with every edge SECURED, a tap row for a request the test sends, the routes of
 * web-svc's ServiceProfile and the control plane's feed — each view saved as a screenshot in
 * {@code target/dashboard/}.
 */
class DashboardTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "dashboard");
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String PROBE_PATH = "/dashboard-probe";

  @TempDir static Path identityDirectory;
  @TempDir static Path browserProfile;
  private static ControlPlane controlPlane;
  private static DemoMesh mesh;
  private static DemoViz viz;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(System.getenv("CI") != null || (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    DemoIdentity identity = DemoIdentity.create(identityDirectory, "linkerd", "cluster.local");
    Config config = ConfigFactory.parseString(identity.controlPlaneSettings() + "\n"
            + "pekko.remote.artery.canonical.port = 0\n"
            + "weft.control-plane.destination.interface = \"127.0.0.1\"\n"
            + "weft.control-plane.destination.port = 0\n"
            + "weft.control-plane.admin.port = 0")
        .withFallback(ConfigFactory.load());
    Path examples = Path.of("..", "examples", "emojivoto").toAbsolutePath().normalize();
    controlPlane = ControlPlane.start(config, new LocalClusterBackend(examples, ControlPlaneSettings.from(config).localCluster()),
        Optional.empty());
    InetSocketAddress destination = new InetSocketAddress("127.0.0.1", controlPlane.destinationPort());
    mesh = DemoMesh.start(controlPlane, destination, Duration.ofMillis(100), identity);
    viz = DemoViz.start(controlPlane, identity, destination, ConfigFactory.parseString(
        "weft.viz { interface = \"127.0.0.1\", port = 0, scrape.interval = 1s, control-plane-admin = \"127.0.0.1:"
            + controlPlane.adminPort() + "\" }").withFallback(config));
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
            "--user-data-dir=" + browserProfile);
    browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    for (AutoCloseable c : new AutoCloseable[] {viz, mesh, controlPlane}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // the rest still close
      }
    }
  }

  private static WebDriverWait waiting() {
    return new WebDriverWait(browser, PATIENCE);
  }

  private static void screenshot(String view) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(view + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(SCREENSHOTS.resolve(view + ".png"))).isPositive();
  }

  private static String cell(String workload, int column) {
    List<WebElement> rows = browser.findElements(By.cssSelector("#workloads tbody tr[data-name='" + workload + "']"));
    return rows.isEmpty() ? "" : rows.getFirst().findElements(By.tagName("td")).get(column).getText();
  }

  private static void view(String name) {
    browser.findElement(By.cssSelector("#tabs button[data-view='" + name + "']")).click();
    waiting().until(b -> b.findElement(By.id("view-" + name)).isDisplayed());
  }

  @Test
  void theDashboardShowsTheDemoLiveInChromium() throws Exception {
    try {
      walkThroughEveryView();
    } catch (AssertionError | RuntimeException e) {
      // What the browser showed when it went wrong, beside the views that went right.
      screenshot("failure");
      Files.writeString(SCREENSHOTS.resolve("failure.html"), browser.getPageSource());
      throw e;
    }
  }

  private void walkThroughEveryView() throws Exception {
    browser.get("http://" + viz.address().getHostString() + ":" + viz.address().getPort() + "/?namespace=emojivoto");

    // Workloads with numbers that change while traffic runs.
    // Each row is filled once the scrapes around its first answers are in.
    waiting().until(b -> List.of("emoji", "voting", "web", "vote-bot").stream().allMatch(w -> !cell(w, 0).isEmpty())
        && cell("web", 4).matches("\\d+") && cell("emoji", 2).endsWith("%"));
    assertThat(cell("web", 1)).isEqualTo("2/2");
    assertThat(cell("emoji", 2)).isEqualTo("100.00%");
    String requests = cell("web", 4);
    waiting().until(b -> cell("web", 4).matches("\\d+") && !cell("web", 4).equals(requests));
    assertThat(browser.findElements(By.cssSelector("#workloads tr[data-name='web'] .spark canvas"))).isNotEmpty();
    screenshot("workloads");

    // The edge graph: who calls whom, every edge SECURED.
    view("edges");
    waiting().until(b -> b.findElements(By.cssSelector("#edge-graph line.secured")).size() == 3);
    assertThat(browser.findElements(By.cssSelector("#edge-graph line.unsecured"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("#edge-graph line")).stream()
        .map(l -> l.getDomAttribute("data-source") + ">" + l.getDomAttribute("data-target")).toList())
        .containsExactlyInAnyOrder("vote-bot>web", "web>emoji", "web>voting");
    assertThat(browser.findElement(By.id("edge-graph")).getText()).contains("SECURED");
    screenshot("edges");

    // Tap: a row for a request just sent.
    view("tap");
    new Select(browser.findElement(By.id("tap-resource"))).selectByValue("deploy/web");
    browser.findElement(By.id("tap-path")).sendKeys(PROBE_PATH);
    browser.findElement(By.id("tap-start")).click();
    waiting().until(b -> b.findElement(By.id("tap-state")).getText().equals("tapping"));
    waiting().until(b -> {
      sendProbe();
      return b.findElements(By.cssSelector("#tap-rows tr")).stream()
          .anyMatch(r -> r.getText().contains(PROBE_PATH) && r.findElements(By.tagName("td")).get(6).getText().matches("\\d{3}"));
    });
    screenshot("tap");

    // Routes of web's Service, from its ServiceProfile.
    view("routes");
    new Select(browser.findElement(By.id("routes-resource"))).selectByValue("deploy/web");
    waiting().until(b -> b.findElements(By.cssSelector("#routes tbody tr[data-route='GET /api/list']")).size() == 1
        && b.findElement(By.cssSelector("#routes tbody tr[data-route='GET /api/list']")).getText().contains("%"));
    assertThat(browser.findElements(By.cssSelector("#routes tbody tr[data-route='[DEFAULT]']"))).hasSize(1);
    screenshot("routes");

    // The control plane's feed: the endpoints it serves for emojivoto's Services.
    view("feed");
    waiting().until(b -> b.findElements(By.cssSelector("#feed li")).stream().anyMatch(li -> li.getText()
        .matches("(?s).*endpoints web-svc\\.emojivoto\\.svc\\.cluster\\.local:80  added 127\\.0\\.1\\.\\d+:8080 \\(web-.*")));
    screenshot("feed");
  }

  /** One request to web-svc through vote-bot's proxy, on a path only this test uses. */
  private static void sendProbe() {
    InetSocketAddress outbound = mesh.members().stream().filter(m -> m.deployment().equals("vote-bot")).findFirst().orElseThrow()
        .proxy().outboundAddress();
    try (Socket socket = new Socket(outbound.getAddress(), outbound.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + PROBE_PATH + " HTTP/1.1\r\nHost: web-svc.emojivoto:80\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      in.readAllBytes();
    } catch (IOException e) {
      // the next try sends another
    }
  }
}
