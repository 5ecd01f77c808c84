package org.emploi.opensearchnode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * An OpenSearch node for tests: HTTP and transport bound to 127.0.0.1 only.
 *
 * <p>Usage: {@code TestNode --port 9250 --home DIR [--cluster-name NAME] [--node-name NAME]
 * [--transport-port PORT] [--seed-hosts H:P,H:P --initial-managers N1,N2,N3]}. Without seed
 * hosts the node is a single-node cluster; with them it joins (or forms, with the initial
 * cluster-manager nodes) a cluster of several nodes on 127.0.0.1. Data, logs and the (empty)
 * config, plugins and modules folders live under {@code DIR}. The plugins that a packaged
 * distribution loads from its {@code modules/} and {@code plugins/} folders are put on the
 * classpath instead: analysis-common (French stemmer, elision, ASCII folding, synonym_graph),
 * netty4 (HTTP and transport) and k-NN ({@code knn_vector} fields, Lucene engine). The process
 * stops cleanly on SIGTERM.
 */
public final class TestNode {

    private static final String KNN_PLUGIN = "org.opensearch.knn.plugin.KNNPlugin";

    private TestNode() {
    }

    /** Node with classpath plugins (the constructor that takes them is protected). */
    private static final class ClasspathPluginsNode extends Node {
        ClasspathPluginsNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        int port = 9250;
        String transportPort = null;
        Path home = Paths.get(".cache/opensearch");
        String clusterName = "emploi-test";
        String nodeName = null;
        String seedHosts = null;
        String initialManagers = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + arg);
            }
            switch (arg) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--transport-port" -> transportPort = args[++i];
                case "--home" -> home = Paths.get(args[++i]);
                case "--cluster-name" -> clusterName = args[++i];
                case "--node-name" -> nodeName = args[++i];
                case "--seed-hosts" -> seedHosts = args[++i];
                case "--initial-managers" -> initialManagers = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        if (nodeName == null) {
            nodeName = clusterName + "-node";
        }
        if (transportPort == null) {
            transportPort = (port + 100) + "-" + (port + 199);
        }
        home = home.toAbsolutePath();
        for (String sub : List.of("config", "data", "logs", "plugins", "modules")) {
            Files.createDirectories(home.resolve(sub));
        }

        Settings.Builder builder = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", clusterName)
            .put("node.name", nodeName)
            .put("network.host", "127.0.0.1")
            .put("http.port", Integer.toString(port))
            .put("transport.port", transportPort)
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false);
        if (seedHosts == null) {
            builder.put("discovery.type", "single-node");
        } else {
            builder.putList("discovery.seed_hosts", List.of(seedHosts.split(",")));
            if (initialManagers != null) {
                builder.putList("cluster.initial_cluster_manager_nodes",
                                List.of(initialManagers.split(",")));
            }
        }
        Settings settings = builder.build();
        String finalNodeName = nodeName;
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), home.resolve("config"), () -> finalNodeName);
        List<Class<? extends Plugin>> plugins = new ArrayList<>(
            List.of(CommonAnalysisPlugin.class, Netty4Plugin.class));
        plugins.add(Class.forName(KNN_PLUGIN).asSubclass(Plugin.class));
        Node node = new ClasspathPluginsNode(environment, plugins);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "test-node-shutdown"));
        node.start();
        System.out.println("opensearch test node " + finalNodeName + " started on http://127.0.0.1:"
                           + port);
        stopped.await();
    }
}
