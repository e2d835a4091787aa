// Kafka's topic-name rules (org.apache.kafka.common.internals.Topic): 1-249 characters from
// [a-zA-Z0-9._-], not "." or "..". Names that differ only in '.' versus '_' collide (metric names
// replace '.' by '_'), so a new topic may not collide with an existing one.

export const MAX_TOPIC_NAME_LENGTH = 249

const LEGAL = /^[a-zA-Z0-9._-]+$/

/** Kafka's error message for an illegal name, or undefined when the name is legal. */
export function validateTopicName(name: string): string | undefined {
  if (name.length === 0) return "Topic name is illegal, it can't be empty"
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."'
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`
  if (!LEGAL.test(name))
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`
  return undefined
}

/** The name with '.' unified to '_': two topics with the same key collide. */
export function topicCollisionKey(name: string): string {
  return name.replaceAll('.', '_')
}
