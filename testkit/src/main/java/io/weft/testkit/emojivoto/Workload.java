package io.weft.testkit.emojivoto;

/** One of the example app's processes, running until closed. */
public interface Workload extends AutoCloseable {
  @Override
  void close();
}
