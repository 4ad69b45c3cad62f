/* file_sink.c — a file output's bytes: temporary file, optional gzip, fsync and rename. */
#include "output/file_sink.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct file_sink {
    char *name, *path, *tmp_path;
    bool use_gz, use_stdout, failed;
    FILE *f;
    gzFile gz;
    int fd; /* with gzip: a second descriptor of the same open file, for fsync */
};

static void sink_failed(file_sink *s, const char *what) {
    if (s->failed) return;
    s->failed = true;
    fprintf(stderr, "lt: %s: cannot %s %s: %s\n", s->name, what, s->path,
            errno ? strerror(errno) : "write error");
}

static bool ends_with(const char *s, const char *suffix) {
    size_t l = strlen(s), n = strlen(suffix);
    return l > n && strcmp(s + l - n, suffix) == 0;
}

static int open_gz(file_sink *s) {
    s->fd = open(s->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int fd2 = s->fd >= 0 ? dup(s->fd) : -1;
    if (fd2 >= 0) s->gz = gzdopen(fd2, "wb");
    if (s->gz) return 0;
    if (fd2 >= 0) close(fd2);
    return -1;
}

file_sink *file_sink_open(const char *output_name, const char *path, char *err, size_t errlen) {
    file_sink *s = calloc(1, sizeof *s);
    if (!s) return snprintf(err, errlen, "out of memory"), NULL;
    s->name = strdup(output_name);
    s->path = strdup(path);
    s->fd = -1;
    s->use_stdout = strcmp(path, "-") == 0;
    s->use_gz = !s->use_stdout && ends_with(path, ".gz");
    if (s->use_stdout) {
        s->f = stdout;
        return s;
    }
    size_t len = strlen(path) + 32;
    s->tmp_path = malloc(len);
    snprintf(s->tmp_path, len, "%s.tmp.%d", path, (int)getpid());
    int rc = s->use_gz ? open_gz(s) : ((s->f = fopen(s->tmp_path, "we")) ? 0 : -1);
    if (rc != 0) {
        snprintf(err, errlen, "%s output: cannot open %s: %s", output_name, path, strerror(errno));
        file_sink_destroy(s);
        return NULL;
    }
    return s;
}

void file_sink_write(file_sink *s, const void *data, size_t len) {
    if (s->failed || len == 0) return;
    errno = 0;
    bool ok = s->use_gz ? gzwrite(s->gz, data, (unsigned)len) == (int)len
                        : fwrite(data, 1, len, s->f) == len;
    if (!ok) sink_failed(s, "write");
}

void file_sink_flush(file_sink *s) {
    if (s->failed) return;
    errno = 0;
    if ((s->use_gz ? gzflush(s->gz, Z_SYNC_FLUSH) : fflush(s->f)) != 0) sink_failed(s, "write");
}

bool file_sink_failed(const file_sink *s) {
    return s->failed;
}

void file_sink_close(file_sink *s) {
    file_sink_flush(s);
    errno = 0;
    if (s->use_gz) {
        if (gzclose(s->gz) != Z_OK) sink_failed(s, "write");
        s->gz = NULL;
        fsync(s->fd);
        close(s->fd);
        s->fd = -1;
    } else if (!s->use_stdout) {
        fsync(fileno(s->f));
        if (fclose(s->f) != 0) sink_failed(s, "write");
    }
    s->f = NULL;
    if (s->tmp_path && rename(s->tmp_path, s->path) != 0) sink_failed(s, "write");
    free(s->tmp_path);
    s->tmp_path = NULL;
    file_sink_destroy(s);
}

void file_sink_destroy(file_sink *s) {
    if (!s) return;
    if (s->gz) gzclose(s->gz);
    if (s->fd >= 0) close(s->fd);
    if (s->f && !s->use_stdout) fclose(s->f);
    if (s->tmp_path) unlink(s->tmp_path);
    free(s->tmp_path);
    free(s->path);
    free(s->name);
    free(s);
}
