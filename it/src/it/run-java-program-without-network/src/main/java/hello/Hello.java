package hello;

import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.stream.Collectors;

/** Prints what it can see of the machine: the sandbox's view, checked by verify.groovy. */
public class Hello {
    public static void main(String[] args) throws Exception {
        System.out.println("greeting: " + System.getenv("GREETING"));
        System.out.println("interfaces: " + Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .map(NetworkInterface::getName).sorted().collect(Collectors.joining(",")));
        System.out.println("hostname: " + Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
        System.out.println("parent pid: " + ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L));
    }
}
