using Microsoft.Extensions.Logging;

namespace Herald.Server.Internal;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "herald serve listening on {Listen} (advertised as {Advertise}), data directory {DataDirectory}")]
    public static partial void Started(ILogger logger, string listen, string advertise, string dataDirectory);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "herald serve stopped: {Connections} connections closed, data directory {DataDirectory} released")]
    public static partial void Stopped(ILogger logger, int connections, string dataDirectory);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Closed the connection from {Remote}: {Reason}")]
    public static partial void FrameRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "The connection from {Remote} ended: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 18, Level = LogLevel.Debug, Message = "Closed the connection from {Remote}: it sent nothing for {Seconds:0.#} s (ConnectionsMaxIdle)")]
    public static partial void ConnectionIdle(ILogger logger, string remote, double seconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Serving a request from {Remote} failed; its connection was closed")]
    public static partial void RequestFailed(ILogger logger, string remote, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Accepting connections failed; retrying")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partitions for {Remote}")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions, string remote);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "A produce from {Remote} was refused with {Error}: {Reason}")]
    public static partial void ProduceRefused(ILogger logger, string remote, string error, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "A JoinGroup for group {Group} was refused: {Reason}")]
    public static partial void GroupRefused(ILogger logger, string group, string reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Group {Group} rebalances (generation {Generation} ends): {Reason}")]
    public static partial void RebalanceStarted(ILogger logger, string group, int generation, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Group {Group} generation {Generation}: {Members} members, protocol {Protocol}")]
    public static partial void GroupRebalanced(ILogger logger, string group, int generation, int members, string protocol);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Removed member {Member} from group {Group}: {Reason}")]
    public static partial void MemberRemoved(ILogger logger, string member, string group, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "Group {Group} generation {Generation} is stable: the leader assigned {Members} members")]
    public static partial void GroupStable(ILogger logger, string group, int generation, int members);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Committing offsets of group {Group} failed")]
    public static partial void CommitFailed(ILogger logger, string group, Exception exception);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Deleted topic {Topic} ({Partitions} partitions, their files and committed offsets) for {Remote}")]
    public static partial void TopicDeleted(ILogger logger, string topic, int partitions, string remote);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "Deleting topic {Topic} failed; it is gone from the log, and the next start finishes removing its files if the deletion was committed")]
    public static partial void TopicDeletionFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "SASL authentication from {Remote} failed; its connection was closed")]
    public static partial void AuthenticationFailed(ILogger logger, string remote);

    [LoggerMessage(EventId = 19, Level = LogLevel.Information, Message = "Loaded {Groups} consumer groups as stable at their last generation; members that do not return within their session timeout are removed")]
    public static partial void GroupsLoaded(ILogger logger, int groups);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Group {Group} was not loaded, its stored record is unreadable ({Problem}): the group starts empty and its members rejoin; its committed offsets are kept")]
    public static partial void GroupNotLoaded(ILogger logger, string group, string problem);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "The consumer groups' topic {Topic} is damaged ({Problem}): groups live in memory only, and their members rejoin after a restart")]
    public static partial void GroupStoreDamaged(ILogger logger, string topic, string problem);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Storing groups {Groups} failed: they go on in memory, and their members rejoin after a restart")]
    public static partial void GroupsNotSaved(ILogger logger, string groups, Exception exception);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Deleted group {Group} (its committed offsets and coordinator state) for {Remote}")]
    public static partial void GroupDeleted(ILogger logger, string group, string remote);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "Deleting group {Group} failed: its committed offsets may remain, and a retry removes them")]
    public static partial void GroupDeletionFailed(ILogger logger, string group, Exception exception);
}
