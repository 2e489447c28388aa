package io.weft.operator.check;

/** What one check found; {@code error} and {@code hint} are empty when it passed. */
public record CheckResult(String category, String description, CheckStatus status, String error, String hint) {}
