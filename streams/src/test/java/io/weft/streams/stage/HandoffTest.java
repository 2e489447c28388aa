package io.weft.streams.stage;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class HandoffTest {
  static ActorSystem system;
  static Materializer materializer;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("handoff");
    materializer = Materializer.matFromSystem(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** A source that emits what is handed to it, and completes on "stop". */
  static final class Inbox extends GraphStageWithMaterializedValue<SourceShape<String>, AsyncCallback<String>> {
    final Outlet<String> out = Outlet.create("Inbox.out");

    @Override
    public SourceShape<String> shape() {
      return SourceShape.of(out);
    }

    @Override
    public Tuple2<GraphStageLogic, AsyncCallback<String>> createLogicAndMaterializedValue(Attributes attributes) {
      Logic logic = new Logic();
      return Tuple2.apply(logic, logic.callback);
    }

    private final class Logic extends GraphStageLogic {
      final AsyncCallback<String> callback = createAsyncCallback(event -> {
        if (event.equals("stop")) {
          completeStage();
        } else {
          emit(out, event);
        }
      });

      Logic() {
        super(shape());
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {}
        });
      }
    }
  }

  @Test
  void anEventTheStageTakesIsDeliveredAndNothingIsToldAboutIt() {
    List<String> seen = new CopyOnWriteArrayList<>();
    List<Throwable> stopped = new CopyOnWriteArrayList<>();
    AsyncCallback<String> stage = Source.fromGraph(new Inbox()).toMat(Sink.foreach(seen::add), Keep.left()).run(materializer);

    Handoff.invoke(stage, "one", stopped::add);
    Handoff.invoke(stage, "two", stopped::add);

    await().atMost(10, TimeUnit.SECONDS).until(() -> seen.size() == 2);
    assertThat(seen).containsExactly("one", "two");
    assertThat(stopped).isEmpty();
  }

  @Test
  void aStoppedStageIsToldOnTheThreadThatLearnsItNotOnTheCommonPool() throws Exception {
    var materialized = Source.fromGraph(new Inbox()).toMat(Sink.ignore(), Keep.both()).run(materializer);
    AsyncCallback<String> stage = materialized.first();
    stage.invoke("stop");
    materialized.second().toCompletableFuture().get(10, TimeUnit.SECONDS);

    CompletableFuture<Thread> toldOn = new CompletableFuture<>();
    CompletableFuture<Throwable> why = new CompletableFuture<>();
    Handoff.invoke(stage, "late", cause -> {
      toldOn.complete(Thread.currentThread());
      why.complete(cause);
    });

    assertThat(why.get(10, TimeUnit.SECONDS)).isNotNull();
    // The old way (a converted future's whenComplete) ran this as a task on the JDK's common pool.
    assertThat(toldOn.get().getName()).doesNotContain("commonPool");
  }
}
