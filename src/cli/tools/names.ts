// The tools' command names, apart from their code: `samsa start` checks its first argument against
// them without loading the tools and the Kafka client under them (index.ts maps each to its code).

export const TOOL_NAMES = ['topics', 'produce', 'consume', 'groups', 'configs', 'healthcheck'] as const

export type ToolName = (typeof TOOL_NAMES)[number]

export function isTool(name: string | undefined): name is ToolName {
  return (TOOL_NAMES as readonly (string | undefined)[]).includes(name)
}
