/* SPDX-License-Identifier: MIT */
/*
 * test_executor_gil.c - the gil executor's lock: one holder at a time, no
 * thread starves (each gets the lock again and again while all compete),
 * a forced switch never comes before the switch interval, and another
 * thread holds the lock while one is inside blocking_begin/blocking_end,
 * both on the lock itself and through the executor and the (fake) host.
 * No assertion depends on how fast the machine is: the contenders work
 * until every one of them had the lock TURNS times, and only a lock that
 * never changes hands would keep them at it until the (generous) limit;
 * the blocking tests wait for an event that only a released lock allows,
 * and a guard deadline turns a lock that is kept into a failure instead
 * of a hang.  The plugin source is compiled in so its lock functions can
 * be driven directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/executors/gil.c"
#include "../../plugins/executors/threads.c"

#include "fake_host.h"

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define THREADS 4
#define TURNS 4
#define LIMIT_NS (60ull * 1000000000u) /* only a broken lock gets there */

struct shared {
    struct gil g;
    _Atomic int inside;  /* threads that believe they hold the lock */
    _Atomic int overlap; /* set if two ever did                     */
    _Atomic unsigned acquisitions[THREADS];
    uint64_t min_forced_hold_ns;
    pthread_mutex_t stats;
};

struct arg {
    struct shared *s;
    unsigned id;
};

/* Busy work of roughly `ns`, like a workload between checkpoints. */
static void spin(uint64_t ns) {
    uint64_t end = mono_ns() + ns;
    while (mono_ns() < end)
        ;
}

static void note_acquire(struct shared *s, unsigned id) {
    if (atomic_fetch_add(&s->inside, 1) != 0)
        atomic_store(&s->overlap, 1);
    atomic_fetch_add(&s->acquisitions[id], 1);
}

static unsigned fewest_turns(struct shared *s) {
    unsigned m = UINT32_MAX;
    for (unsigned i = 0; i < THREADS; i++)
        if (atomic_load(&s->acquisitions[i]) < m)
            m = atomic_load(&s->acquisitions[i]);
    return m;
}

static void *contender(void *p) {
    struct arg *a = p;
    struct shared *s = a->s;
    uint64_t limit = mono_ns() + LIMIT_NS;
    /* Read before the lock is asked for: the switch that hands it over
     * comes later, and a waiter asks for a drop only a whole interval
     * after it saw that switch, so `held` below is at least the interval
     * however this thread is scheduled (no timing is assumed). */
    uint64_t held_since = mono_ns();
    gil_take(&s->g);
    note_acquire(s, a->id);
    while (fewest_turns(s) < TURNS && mono_ns() < limit) {
        spin(20000); /* 20 us of "computation" */
        if (atomic_load(&s->g.drop_request)) {
            uint64_t held = mono_ns() - held_since;
            pthread_mutex_lock(&s->stats);
            if (held < s->min_forced_hold_ns)
                s->min_forced_hold_ns = held;
            pthread_mutex_unlock(&s->stats);
            atomic_fetch_sub(&s->inside, 1);
            held_since = mono_ns();
            gil_checkpoint(&s->g, a->id);
            note_acquire(s, a->id);
        }
    }
    atomic_fetch_sub(&s->inside, 1);
    gil_drop(&s->g, 0);
    return NULL;
}

static void test_exclusion_and_fairness(void **state) {
    (void)state;
    static struct shared s;
    memset(&s, 0, sizeof s);
    const uint64_t interval = 1000000; /* 1 ms */
    gil_init(&s.g, interval);
    pthread_mutex_init(&s.stats, NULL);
    s.min_forced_hold_ns = UINT64_MAX;
    pthread_t t[THREADS];
    struct arg a[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        a[i] = (struct arg){&s, i};
        assert_int_equal(pthread_create(&t[i], NULL, contender, &a[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);

    assert_int_equal(atomic_load(&s.overlap), 0);
    /* Every thread got the lock TURNS times while all were competing: the
     * holder was made to give it up, and every waiter got its turn. */
    assert_true(fewest_turns(&s) >= TURNS);
    assert_true(s.g.forced_switches >= THREADS);
    /* A waiter asks for a drop only after a whole interval without a
     * switch, so no forced hand-over comes earlier. */
    assert_true(s.min_forced_hold_ns >= interval);
    gil_destroy(&s.g);
    pthread_mutex_destroy(&s.stats);
}

/* The blocking test's guard: every wait that only a working
 * blocking_begin can end gives up after this, so a broken one fails the
 * test instead of hanging it.  Not a measurement: a working lock ends the
 * waits as soon as the other thread is scheduled. */
#define GUARD_NS (20ull * 1000000000u)

/* Thread A enters a blocking section and waits there for thread B, which
 * can only get on once it holds the lock.  `m`/`cv` guard and announce
 * every flag change. */
struct blocker {
    struct gil *g;
    pthread_mutex_t m;
    pthread_cond_t cv;
    int a_blocking;     /* A is between blocking_begin and blocking_end */
    int b_held;         /* B took the lock (and has not yet dropped it)  */
    int b_saw_blocking; /* when B held the lock, A was still blocking    */
    int a_saw_b;        /* A saw B's turn before leaving its section     */
};

/* Waits on b->cv until *flag is set or the guard deadline passes; returns
 * the flag.  Called with b->m held. */
static int wait_flag(struct blocker *b, const int *flag,
                     const struct timespec *dl) {
    int rc = 0;
    while (!*flag && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&b->cv, &b->m, dl);
    return *flag;
}

static void *blocking_thread(void *p) {
    struct blocker *b = p;
    gil_take(b->g);
    gil_blocking_begin(b->g, 0);
    struct timespec dl = deadline_after(GUARD_NS);
    pthread_mutex_lock(&b->m);
    b->a_blocking = 1;
    pthread_cond_broadcast(&b->cv);
    /* The "I/O": done when B had its turn with the lock. */
    b->a_saw_b = wait_flag(b, &b->b_held, &dl);
    b->a_blocking = 0;
    pthread_mutex_unlock(&b->m);
    gil_blocking_end(b->g, 0);
    gil_drop(b->g, 0);
    return NULL;
}

/* While A is inside blocking_begin/blocking_end, B takes the lock and
 * finds A still there; A sees B's turn before it leaves.  With a
 * blocking_begin that kept the lock, B could only take it after A gave up
 * waiting (the guard) and dropped it: both checks fail. */
static void test_blocking_releases(void **state) {
    (void)state;
    struct gil g;
    /* An interval far longer than the guard: no drop request can hand the
     * lock over, only blocking_begin can let B in. */
    gil_init(&g, 600ull * 1000000000u);
    struct blocker b = {.g = &g};
    pthread_mutex_init(&b.m, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b.cv, &ca);
    pthread_condattr_destroy(&ca);

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocking_thread, &b), 0);
    struct timespec dl = deadline_after(GUARD_NS);
    pthread_mutex_lock(&b.m);
    int a_started = wait_flag(&b, &b.a_blocking, &dl);
    pthread_mutex_unlock(&b.m);

    gil_take(&g);
    pthread_mutex_lock(&b.m);
    b.b_saw_blocking = b.a_blocking;
    b.b_held = 1;
    pthread_cond_broadcast(&b.cv);
    pthread_mutex_unlock(&b.m);
    gil_drop(&g, 0);
    pthread_join(t, NULL);

    assert_true(a_started);
    if (!b.b_saw_blocking)
        fail_msg("the second thread got the lock only after the first had "
                 "left its blocking section");
    if (!b.a_saw_b)
        fail_msg("no other thread held the lock while one was inside "
                 "blocking_begin/blocking_end");
    assert_int_equal(g.forced_switches, 0);
    pthread_cond_destroy(&b.cv);
    pthread_mutex_destroy(&b.m);
    gil_destroy(&g);
}

/* The same through the executor and the host, as a workload sees it: a
 * two-task workload whose task 0 waits inside host->blocking_begin/end
 * until task 1, on the other worker, has run under the lock.  Task 1 gets
 * the lock from task 0's worker by checkpoints (forced switches), then
 * waits for task 0 to be in its blocking section.  With a blocking_begin
 * that kept the lock, task 0's worker would hold it through the wait and
 * task 0 fails when the guard runs out. */
struct meet {
    const struct pb_host *host;
    pthread_mutex_t m;
    pthread_cond_t cv;
    int entered;    /* task 0 reached its blocking section          */
    int blocking;   /* task 0 is inside it                          */
    int other_ran;  /* task 1 ran under the lock                    */
    int ran_during; /* ... while task 0 was inside its section      */
};

static int meet_create(const struct pb_host *host,
                       const struct pb_params *params, void **state, char *err,
                       size_t errlen) {
    (void)params;
    struct meet *mt = calloc(1, sizeof *mt);
    if (!mt) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mt->host = host;
    pthread_mutex_init(&mt->m, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mt->cv, &ca);
    pthread_condattr_destroy(&ca);
    *state = mt;
    return 0;
}

static uint64_t meet_tasks(const void *state) {
    (void)state;
    return 2;
}

/* Task 0: inside blocking_begin/end, wait for task 1's turn. */
static int meet_block(struct meet *mt, struct pb_task_ctx *ctx, char *err,
                      size_t errlen) {
    mt->host->blocking_begin(ctx);
    struct timespec dl = deadline_after(GUARD_NS);
    pthread_mutex_lock(&mt->m);
    mt->entered = mt->blocking = 1;
    pthread_cond_broadcast(&mt->cv);
    int rc = 0;
    while (!mt->other_ran && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&mt->cv, &mt->m, &dl);
    int seen = mt->other_ran;
    mt->blocking = 0;
    pthread_mutex_unlock(&mt->m);
    mt->host->blocking_end(ctx);
    if (!seen) {
        snprintf(err, errlen,
                 "no other worker ran while this one was inside "
                 "blocking_begin/blocking_end");
        return -1;
    }
    return 0;
}

/* Task 1: hand the lock over at checkpoints until task 0 is in its
 * section, then note that this worker, holding the lock, got on. */
static int meet_run(struct meet *mt, struct pb_task_ctx *ctx, char *err,
                    size_t errlen) {
    uint64_t limit = mt->host->now_ns() + GUARD_NS;
    int entered = 0;
    while (!entered && mt->host->now_ns() < limit) {
        mt->host->checkpoint(ctx);
        pthread_mutex_lock(&mt->m);
        entered = mt->entered;
        pthread_mutex_unlock(&mt->m);
    }
    pthread_mutex_lock(&mt->m);
    mt->ran_during = mt->blocking;
    mt->other_ran = 1;
    pthread_cond_broadcast(&mt->cv);
    int during = mt->ran_during;
    pthread_mutex_unlock(&mt->m);
    if (!during) {
        snprintf(err, errlen,
                 "task 0 %s its blocking section when task 1 got the lock",
                 entered ? "had left" : "never reached");
        return -1;
    }
    return 0;
}

static int meet_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                     uint64_t task, struct pb_task_result *out, char *err,
                     size_t errlen) {
    (void)wstate;
    out->checksum = task + 1;
    out->items = 1;
    return task == 0 ? meet_block(state, ctx, err, errlen)
                     : meet_run(state, ctx, err, errlen);
}

static int meet_merge(void *state, uint64_t task,
                      const struct pb_task_result *res, char *err,
                      size_t errlen) {
    (void)state;
    (void)err;
    (void)errlen;
    (void)task;
    (void)res;
    return 0;
}

static int meet_verify(void *state, uint64_t *checksum, char *err,
                       size_t errlen) {
    struct meet *mt = state;
    *checksum = (uint64_t)mt->ran_during;
    if (!mt->ran_during) {
        snprintf(err, errlen, "task 1 did not run during task 0's I/O");
        return -1;
    }
    return 0;
}

static void meet_destroy(void *state) {
    struct meet *mt = state;
    pthread_cond_destroy(&mt->cv);
    pthread_mutex_destroy(&mt->m);
    free(mt);
}

static const struct pb_workload_ops meet_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = meet_create,
    .task_count = meet_tasks,
    .run_task = meet_task,
    .merge = meet_merge,
    .verify = meet_verify,
    .destroy = meet_destroy,
};

static void test_executor_overlaps_blocking(void **state) {
    (void)state;
    fake_reset();
    struct pb_params ep;
    fake_params_init(&ep, &gil_plugin);
    fake_params_set_uint(&ep, "switch_interval", 1000000); /* 1 ms */
    void *ws = NULL;
    char err[512] = "";
    assert_int_equal(meet_create(&fake_host, NULL, &ws, err, sizeof err), 0);
    struct pb_job *job = fake_job_new(&meet_ops, ws, 2, PB_SCHEDULE_STATIC);
    assert_non_null(job);
    assert_int_equal(gil_run(&fake_host, &ep, job, err, sizeof err), 0);
    uint64_t sum = 0;
    int rc = fake_job_finish(job, &sum, err, sizeof err);
    fake_job_free(job);
    meet_destroy(ws);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(sum, 1);
    assert_int_equal(atomic_load(&fake_blocking_begins), 1);
    assert_int_equal(atomic_load(&fake_blocking_ends), 1);
}

static void test_deadline_arithmetic(void **state) {
    (void)state;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct timespec d = deadline_after(2500000000u); /* 2.5 s */
    assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000);
    int64_t diff = (int64_t)(d.tv_sec - now.tv_sec) * 1000000000 +
                   (d.tv_nsec - now.tv_nsec);
    assert_true(diff >= 2500000000 && diff < 3500000000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusion_and_fairness),
        cmocka_unit_test(test_blocking_releases),
        cmocka_unit_test(test_executor_overlaps_blocking),
        cmocka_unit_test(test_deadline_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
