// Starts DynamoDB Local listening on one address (127.0.0.1 unless -Ddynamodb.host says otherwise).
//
// DynamoDB Local has no option for the address: its DynamoDBProxyServer builds `new Server(port)`,
// and Jetty then listens on every interface. This launcher takes the same arguments as the jar
// (-inMemory -port N ...), lets DynamoDB Local build its server, sets the host on the server's
// connector before it starts, and starts it. install.sh compiles it against the pinned jar;
// start.sh runs it with that jar on the class path.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class DynamoDBLocalLoopback {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("dynamodb.host", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        // The Jetty server is a private field; without it there is no way to choose the address.
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local's Jetty server has no connector");
        }
        for (Connector connector : connectors) {
            ((ServerConnector) connector).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host);
        proxy.join();
    }
}
