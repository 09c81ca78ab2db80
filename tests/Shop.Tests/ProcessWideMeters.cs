namespace Shop.Tests;

/// <summary>Tests that listen to Herald's meter: they run alone, after the parallel tests. A meter provider listens to
/// every meter named Herald in the process, and another test's host disposing its meter could end the collection of
/// the same-named instruments.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class ProcessWideMeters;
