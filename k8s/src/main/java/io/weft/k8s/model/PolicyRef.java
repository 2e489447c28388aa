package io.weft.k8s.model;

/** A reference from one policy resource to another object: its namespace is the referrer's when left out. */
public record PolicyRef(String group, String kind, String namespace, String name) {}
