package io.weft.streams.http2;

import io.weft.streams.http.Message;
import io.weft.streams.http.Trailers;
import org.apache.pekko.util.ByteString;

/** One stream of a connection, as its connection's stage sees it: both directions' progress and windows. */
final class Http2Stream {
  final int id;

  // The peer's message.
  /** The peer's head has come (a client's stream: its response's, 1xx aside). */
  boolean headReceived;
  /** Its head, decoded and waiting to be handed over at the end of the read that completed it. */
  Message incoming;
  /** Data received and not yet taken by the body's reader. */
  ByteString received = ByteString.emptyByteString();
  long receivedTotal;
  /** What the peer may still send on this stream before this end gives window back. */
  long receiveWindow;
  /** The content-length the peer declared, or -1. */
  long declaredLength = -1;
  boolean remoteEnded;
  /** The body's reader went away: data still arriving is dropped. */
  boolean discarding;
  Trailers trailersIn;
  /** Data given to the reader and not yet given back to the peer as window. */
  int unacknowledged;
  org.apache.pekko.stream.stage.GraphStageLogic.SubSourceOutlet<ByteString> bodyOut;

  // This end's message.
  long sendWindow;
  ByteString pending = ByteString.emptyByteString();
  boolean bodyDone;
  Trailers trailersOut;
  boolean localEnded;
  /** No body goes out (the answer to HEAD). */
  boolean headRequest;
  org.apache.pekko.stream.stage.GraphStageLogic.SubSinkInlet<ByteString> bodyIn;

  boolean closed;
  /** What the connection's subclass keeps per stream (a client's response promise). */
  Object attachment;

  Http2Stream(int id, long sendWindow, long receiveWindow) {
    this.id = id;
    this.sendWindow = sendWindow;
    this.receiveWindow = receiveWindow;
  }
}
