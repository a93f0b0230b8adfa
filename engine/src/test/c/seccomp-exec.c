/*
 * Test helper for SeccompKernelTest: installs the seccomp filter in FILE (struct sock_filter
 * records, as BpfProgram.bytes() writes them) and executes COMMAND, the way nsbox-init does last
 * before execve(2).
 *
 *   seccomp-exec FILE COMMAND [ARG...]   install, then execvp(COMMAND)
 *   seccomp-exec FILE --x32-getpid       install, then make getpid(2) as an x32 call
 *   seccomp-exec FILE --int80-getpid     install, then make getpid(2) as an i386 call (int 0x80)
 *   seccomp-exec FILE --exit             install, then exit_group(0) with no other call
 *
 * FILE "-" installs no filter, to show what the kernel does without one.
 * Exit status 120-125: the helper itself failed, with the reason on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int probe(char **command);

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE COMMAND [ARG...]\n", argv[0]);
        return 120;
    }
    if (strcmp(argv[1], "-") == 0) {
        return probe(argv + 2);
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) {
        fprintf(stderr, "seccomp-exec: %s: %s\n", argv[1], strerror(errno));
        return 121;
    }
    static struct sock_filter filter[4096];
    size_t len = fread(filter, sizeof filter[0], 4096, in);
    fclose(in);
    if (len == 0) {
        fprintf(stderr, "seccomp-exec: %s: no instructions\n", argv[1]);
        return 121;
    }
    struct sock_fprog prog = { .len = (unsigned short) len, .filter = filter };
    /* seccomp(2): without CAP_SYS_ADMIN a filter needs no_new_privs, so that a set-user-ID
     * program cannot be made to run under a filter its owner never agreed to. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "seccomp-exec: prctl(PR_SET_NO_NEW_PRIVS): %s\n", strerror(errno));
        return 122;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        fprintf(stderr, "seccomp-exec: seccomp(SECCOMP_SET_MODE_FILTER): %s\n", strerror(errno));
        return 123;
    }
    return probe(argv + 2);
}

static int probe(char **command) {
    if (strcmp(command[0], "--exit") == 0) {
        syscall(SYS_exit_group, 0);
    }
#ifdef __x86_64__
    if (strcmp(command[0], "--x32-getpid") == 0) {
        long r = syscall(0x40000000 | SYS_getpid);
        printf("x32 getpid: %s\n", r > 0 ? "a pid" : strerror(errno));
        return 0;
    }
    if (strcmp(command[0], "--int80-getpid") == 0) {
        long r = 20; /* __NR_getpid of arch/x86/entry/syscalls/syscall_32.tbl */
        __asm__ volatile ("int $0x80" : "+a"(r) : : "memory");
        printf("int 0x80 getpid: %s\n", r > 0 ? "a pid" : strerror((int) -r));
        return 0;
    }
#endif
    execvp(command[0], command);
    fprintf(stderr, "seccomp-exec: execvp %s: %s\n", command[0], strerror(errno));
    return 125;
}
