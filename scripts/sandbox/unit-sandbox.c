/*
 * unit-sandbox: runs a command under an approximation of lookoutd.service's system-call sandbox,
 * for machines where systemd is not PID 1 (CI). Built and driven by scripts/check-sandbox.sh.
 *
 * Mirrors what systemd 252 installs for the unit:
 *   SystemCallArchitectures=native     other architectures (x32, i386 ABI) are refused
 *   SystemCallFilter=@system-service ~@privileged @resources, SystemCallErrorNumber=EPERM
 *                                      the allowed system calls come from allowed-syscalls.h,
 *                                      generated from `systemd-analyze syscall-filter`; others fail
 *                                      with EPERM
 *   MemoryDenyWriteExecute=yes         mmap(PROT_WRITE|PROT_EXEC), mprotect/pkey_mprotect(PROT_EXEC)
 *                                      and shmat(SHM_EXEC) fail with EPERM, as systemd's seccomp rules do
 *   NoNewPrivileges=yes
 * usage: unit-sandbox COMMAND [ARGS...]
 *        unit-sandbox --self-test      checks that the filter refuses what it must (exit 0 if so)
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "unit-sandbox knows only x86_64"
#endif

static const long allowed[] = {
#include "allowed-syscalls.h"
};

#define ALLOWED_COUNT (sizeof(allowed) / sizeof(allowed[0]))
#define MAX_PROGRAM (2 * ALLOWED_COUNT + 64)
#define ARG_LOW(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))

static struct sock_filter program[MAX_PROGRAM];
static unsigned short length;

static void emit(struct sock_filter instruction) { program[length++] = instruction; }

/* When the system call is `nr` and (argument `arg` & `mask`) == `value`: fail with EPERM. */
static void deny_when_flags(long nr, int arg, __u32 mask, __u32 value) {
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, 0, 4));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(arg)));
    emit((struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
}

/* Checks, under the filter, that what the unit forbids fails with EPERM and an allowed call works. */
static int self_test(void) {
    int failures = 0;
    void *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx != MAP_FAILED || errno != EPERM) { fprintf(stderr, "self-test: mmap(W|X) was allowed\n"); failures++; }
    void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rw == MAP_FAILED) { fprintf(stderr, "self-test: mmap(R|W) was refused\n"); return 1; }
    if (mprotect(rw, 4096, PROT_READ | PROT_EXEC) == 0 || errno != EPERM) { fprintf(stderr, "self-test: mprotect(X) was allowed\n"); failures++; }
    if (syscall(SYS_setpriority, 0, 0, 0) == 0 || errno != EPERM) { fprintf(stderr, "self-test: setpriority (@resources) was allowed\n"); failures++; }
    if (syscall(SYS_reboot, 0, 0, 0, NULL) == 0 || errno != EPERM) { fprintf(stderr, "self-test: reboot was allowed\n"); failures++; }
    if (getpid() <= 0) { fprintf(stderr, "self-test: getpid failed\n"); failures++; }
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: unit-sandbox COMMAND [ARGS...] | --self-test\n");
        return 64;
    }
    /* Native architecture only; x32 system calls (bit 30) refused. */
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
    /* MemoryDenyWriteExecute=yes */
    deny_when_flags(SYS_mmap, 2, PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC);
    deny_when_flags(SYS_mprotect, 2, PROT_EXEC, PROT_EXEC);
    deny_when_flags(SYS_pkey_mprotect, 2, PROT_EXEC, PROT_EXEC);
    deny_when_flags(SYS_shmat, 2, SHM_EXEC, SHM_EXEC);
    /* The allow list. */
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    for (size_t i = 0; i < ALLOWED_COUNT; i++) {
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)allowed[i], 0, 1));
        emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    }
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));

    struct sock_fprog fprog = { .len = length, .filter = program };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("unit-sandbox: PR_SET_NO_NEW_PRIVS");
        return 1;
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) {
        perror("unit-sandbox: seccomp");
        return 1;
    }
    if (strcmp(argv[1], "--self-test") == 0) return self_test();
    execvp(argv[1], argv + 1);
    fprintf(stderr, "unit-sandbox: cannot run %s: %s\n", argv[1], strerror(errno));
    return 127;
}
