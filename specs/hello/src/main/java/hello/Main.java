package hello;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The example project of specs/: reports what the sandbox looks like from inside and exits
 * non-zero when it is not sealed the way specs/hermetic-tests.yaml says (a network interface
 * other than lo, a writable source tree, a read-only target/).
 */
public final class Main {

    public static void main(String[] args) throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> interfaces = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            interfaces.add(ni.getName());
        }
        boolean sourceWritable = Files.isWritable(Path.of("src"));
        Path probe = Path.of("target", "sandbox-probe");
        boolean targetWritable;
        try {
            Files.writeString(probe, "written inside the sandbox\n");
            targetWritable = true;
        } catch (IOException e) {
            targetWritable = false;
        }
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        long pid = ProcessHandle.current().pid();

        System.out.println("hostname:            " + hostname);
        System.out.println("pid:                 " + pid);
        System.out.println("network interfaces:  " + interfaces);
        System.out.println("source tree writable " + sourceWritable);
        System.out.println("target/ writable:    " + targetWritable);
        if (!interfaces.equals(List.of("lo"))) {
            problems.add("network interfaces other than lo: " + interfaces);
        }
        if (sourceWritable) {
            problems.add("the source tree is writable");
        }
        if (!targetWritable) {
            problems.add("target/ is not writable");
        }
        if (args.length == 2) {
            // A listener on the host's loopback must be out of reach from a new network namespace.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 1000);
                problems.add("reached " + args[0] + ":" + args[1]);
            } catch (IOException expected) {
                System.out.println("connect " + args[0] + ":" + args[1] + " refused: " + expected.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            System.err.println("not sealed: " + String.join("; ", problems));
            System.exit(1);
        }
        System.out.println("sealed: no network, read-only sources, writable target/");
    }
}
