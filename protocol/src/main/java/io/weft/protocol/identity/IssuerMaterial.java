package io.weft.protocol.identity;

/** The PEM texts an issuer is made of, as read from its files or Secret, before any parsing. */
public record IssuerMaterial(String trustAnchorsPem, String certificatePem, String keyPem) {}
