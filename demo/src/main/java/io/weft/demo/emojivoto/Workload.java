package io.weft.demo.emojivoto;

/** One of the example app's processes, running until closed. */
public interface Workload extends AutoCloseable {
  @Override
  void close();
}
