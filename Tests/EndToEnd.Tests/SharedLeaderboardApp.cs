namespace EndToEnd.Tests;

/// <summary>The test classes that share one running app.</summary>
[CollectionDefinition(nameof(SharedLeaderboardApp))]
public sealed class SharedLeaderboardApp : ICollectionFixture<LeaderboardAppFixture>;
