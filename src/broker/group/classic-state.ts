// The states of a classic (JoinGroup/SyncGroup) group, after Kafka's ClassicGroupState.
//
// Transitions (target ⇐ valid previous states):
//   Empty               ⇐ PreparingRebalance
//   PreparingRebalance  ⇐ Stable, CompletingRebalance, Empty
//   CompletingRebalance ⇐ PreparingRebalance
//   Stable              ⇐ CompletingRebalance
//   Dead                ⇐ Stable, PreparingRebalance, CompletingRebalance, Empty, Dead

export const ClassicGroupState = {
  /**
   * No members; the group lingers for its committed offsets (also the state of groups that only
   * commit offsets, "simple" groups).
   *
   * action: JoinGroup from a new member is handled normally;
   *         SyncGroup, Heartbeat, LeaveGroup → UNKNOWN_MEMBER_ID;
   *         OffsetCommit with a generation/member → UNKNOWN_MEMBER_ID (generation -1 commits are allowed);
   *         OffsetFetch allowed.
   * transition: JoinGroup from a new member ⇒ PreparingRebalance;
   *             last offset expired or DeleteGroups ⇒ Dead.
   */
  Empty: 'Empty',
  /**
   * Waiting for every known member to (re)join.
   *
   * action: Heartbeat and SyncGroup → REBALANCE_IN_PROGRESS;
   *         LeaveGroup removes the member; JoinGroup requests are parked until all have joined
   *         or the rebalance timeout fires; OffsetCommit from the previous generation allowed.
   * transition: all members joined, or rebalance timeout with some joined ⇒ CompletingRebalance;
   *             everyone left / expired ⇒ Empty; DeleteGroups impossible (non-empty).
   */
  PreparingRebalance: 'PreparingRebalance',
  /**
   * The new generation exists; waiting for the leader's SyncGroup with the assignment.
   *
   * action: Heartbeat answered normally; OffsetCommit → REBALANCE_IN_PROGRESS;
   *         followers' SyncGroup parked until the leader's arrives.
   * transition: leader SyncGroup stored ⇒ Stable;
   *             join from a new member or a changed member, leave, or member expiry ⇒ PreparingRebalance.
   */
  CompletingRebalance: 'CompletingRebalance',
  /**
   * Every member has its assignment.
   *
   * action: Heartbeat normal; SyncGroup returns the member's assignment; a follower's JoinGroup
   *         with unchanged metadata gets the current generation back; OffsetCommit from the
   *         current generation allowed.
   * transition: member expiry, leave, leader JoinGroup, or follower JoinGroup with new metadata
   *             ⇒ PreparingRebalance.
   */
  Stable: 'Stable',
  /**
   * The group is gone (deleted, or its offsets all expired); final.
   *
   * action: every group request → COORDINATOR_NOT_AVAILABLE / UNKNOWN_MEMBER_ID as Kafka does;
   *         the group is removed from the coordinator right after.
   * transition: none.
   */
  Dead: 'Dead',
} as const

export type ClassicGroupState = (typeof ClassicGroupState)[keyof typeof ClassicGroupState]

export const CLASSIC_VALID_PREVIOUS: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
}
