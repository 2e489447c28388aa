package io.weft.operator.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prints results the way {@code linkerd check} does: {@code table} (each category under its name,
 * {@code √ ‼ ×} lines, errors and hints indented), {@code short} (only what did not pass), or
 * {@code json} ({@code {"success", "categories": [{"categoryName", "checks": [...]}]}}, printed
 * at the end).
 */
public final class CheckReport implements Consumer<CheckResult> {
  public enum Format { TABLE, SHORT, JSON }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintWriter out;
  private final Format format;
  private final List<CheckResult> results = new ArrayList<>();
  private String category = "";

  public CheckReport(PrintWriter out, Format format, String title) {
    this.out = out;
    this.format = format;
    if (format == Format.TABLE) {
      out.println(title);
      out.println("=".repeat(title.length()));
      out.println();
    }
  }

  @Override
  public void accept(CheckResult result) {
    results.add(result);
    if (format == Format.JSON || format == Format.SHORT && result.status() == CheckStatus.SUCCESS) {
      return;
    }
    if (!result.category().equals(category)) {
      if (!category.isEmpty()) {
        out.println();
      }
      category = result.category();
      out.println(category);
      out.println("-".repeat(category.length()));
    }
    out.println(result.status().symbol + " " + result.description());
    if (result.status() != CheckStatus.SUCCESS) {
      result.error().lines().forEach(line -> out.println("    " + line));
      if (!result.hint().isEmpty()) {
        out.println("    hint: " + result.hint());
      }
    }
    out.flush();
  }

  /** The closing line (or the JSON document). */
  public void finish(boolean success) {
    if (format == Format.JSON) {
      ObjectNode root = JSON.createObjectNode().put("success", success);
      ArrayNode categories = root.putArray("categories");
      ObjectNode current = null;
      for (CheckResult r : results) {
        if (current == null || !current.path("categoryName").asText().equals(r.category())) {
          current = categories.addObject().put("categoryName", r.category());
          current.putArray("checks");
        }
        ((ArrayNode) current.get("checks")).addObject().put("description", r.description()).put("hint", r.hint())
            .put("error", r.error()).put("result", r.status().word);
      }
      out.println(root.toPrettyString());
    } else {
      if (!category.isEmpty()) {
        out.println();
      }
      out.println("Status check results are " + (success ? CheckStatus.SUCCESS : CheckStatus.ERROR).symbol);
    }
    out.flush();
  }
}
