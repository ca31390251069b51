/// SchedulerCore: the scheduler's decisions as pure functions over API objects.
///
/// - `ClusterSnapshot`: nodes and assigned pods, updated incrementally from informer events.
/// - `Scheduler.schedule(pod:snapshot:)`: filters (NodeFilters, InterPodAffinityFilter), scores
///   (Scores, InterPodAffinityScorer) and picks a node, or returns a `FitError` whose `message`
///   is upstream's FailedScheduling text.
/// - `SchedulingQueue`: active / backoff / unschedulable queues with an injected clock.
/// - `SchedulerWrites`: the Binding object, events and the PodScheduled status patch.
///
/// Not modelled: preemption (the FitError reports what upstream says when none is possible),
/// extended resources, volumes, topology spread constraints, image locality.
