package io.weft.proxy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * The JDK common pool's thread factory in a spawned proxy program
 * ({@code -Djava.util.concurrent.ForkJoinPool.common.threadFactory}): says on stderr, on one line,
 * who made the pool start a thread, then starts it as the default factory would.
 */
public final class CommonPoolAlarm implements ForkJoinPool.ForkJoinWorkerThreadFactory {
  public static final String ALARM = "COMMON POOL THREAD STARTED BY ";

  @Override
  public ForkJoinWorkerThread newThread(ForkJoinPool pool) {
    StringWriter trace = new StringWriter();
    new Throwable().printStackTrace(new PrintWriter(trace));
    System.err.println(ALARM + trace.toString().replace('\n', '|'));
    return ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
  }
}
