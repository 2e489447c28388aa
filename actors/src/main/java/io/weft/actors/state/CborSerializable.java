package io.weft.actors.state;

/** Marks messages that cross between control-plane nodes; bound to Jackson CBOR in reference.conf. */
public interface CborSerializable {}
