package io.weft.viz.metrics;

import io.weft.protocol.admin.PrometheusSamples.Sample;

import java.util.List;

/** One scrape of one proxy: when (monotonic nanoseconds) and the samples viz reads. */
public record Scrape(long atNanos, List<Sample> samples) {}
