// Exit codes of the `samsa` tools, stable for scripts:
//   0  success
//   1  the operation failed: the broker answered with an error (topic exists, unknown group, …),
//      or `healthcheck` found the broker unhealthy or unreachable
//   2  bad command line (unknown command or option, malformed value)
//   3  no broker reachable (connection refused, timed out, or dropped)
//   4  the broker does not support an API this tool needs
// `samsa start` keeps its own meaning for 1 and 2 (startup failure, bad configuration).

export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  UNSUPPORTED: 4,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
