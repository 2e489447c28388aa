package io.weft.actors;

import com.typesafe.config.Config;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.eventlog.EventLog;
import io.weft.actors.identity.IdentitySettings;
import io.weft.k8s.api.KubeApiBackend;
import io.weft.k8s.local.LocalClusterBackend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The control plane's settings, read from {@code weft.*} (see reference.conf). */
public record ControlPlaneSettings(DiscoverySettings discovery, String destinationInterface, int destinationPort,
                                   String adminInterface, int adminPort,
                                   Duration entityIdleTimeout, Duration askTimeout, Duration initialSyncTimeout, boolean joinSelf,
                                   boolean clusterBootstrap,
                                   Optional<EventLog.Settings> eventLog, LocalClusterBackend.Settings localCluster,
                                   KubeApiBackend.Settings kubernetes, IdentitySettings identity) {

  public static ControlPlaneSettings from(Config config) {
    Config cp = config.getConfig("weft.control-plane");
    String logDir = cp.getString("event-log.directory");
    Optional<EventLog.Settings> eventLog = logDir.isEmpty() ? Optional.empty()
        : Optional.of(new EventLog.Settings(Path.of(logDir), cp.getBytes("event-log.max-file-bytes"), cp.getInt("event-log.max-files")));
    Config local = config.getConfig("weft.local-cluster");
    Config kube = config.getConfig("weft.kubernetes");
    DiscoverySettings discovery = DiscoverySettings.from(config);
    return new ControlPlaneSettings(discovery, cp.getString("destination.interface"), cp.getInt("destination.port"),
        cp.getString("admin.interface"), cp.getInt("admin.port"),
        cp.getDuration("entity-idle-timeout"), cp.getDuration("ask-timeout"), cp.getDuration("initial-sync-timeout"),
        cp.getBoolean("join-self"), cp.getBoolean("cluster-bootstrap.enabled"), eventLog,
        new LocalClusterBackend.Settings(discovery.controlPlaneNamespace(), local.getDuration("rescan-interval"),
            local.getDuration("settle-delay"), local.getInt("buffer"),
            Path.of(local.getString("token-key-file"))),
        new KubeApiBackend.Settings(kube.getLong("page-size"), kube.getDuration("min-backoff"),
            kube.getDuration("max-backoff"), kube.getDuration("resync-interval"), kube.getInt("buffer")),
        IdentitySettings.from(config));
  }
}
