namespace Herald.Log.Groups;

/// <summary>A consumer group's committed offsets and members, guarded by the <see cref="ConsumerGroups"/> lock.</summary>
internal sealed class GroupState(string name)
{
    private readonly Dictionary<string, List<GroupMember>> _members = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public Dictionary<(string Topic, int Partition), long> Committed { get; } = [];

    public bool Dirty { get; set; }

    /// <summary>Gets whether the group has a member in this process, on any topic.</summary>
    public bool HasMembers => _members.Values.Any(members => members.Count > 0);

    public bool TryGetMembers(string topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<GroupMember>? members) =>
        _members.TryGetValue(topic, out members);

    /// <summary>Forgets the committed offsets on <paramref name="topic"/> and takes its partitions from the group's members.</summary>
    public void RemoveTopic(string topic)
    {
        foreach (var key in Committed.Keys.Where(key => key.Topic == topic).ToList())
        {
            Committed.Remove(key);
        }

        if (_members.Remove(topic, out var members))
        {
            foreach (var member in members)
            {
                member.Assign([], force: true);
            }
        }
    }

    public List<GroupMember> Members(string topic)
    {
        if (!_members.TryGetValue(topic, out var members))
        {
            _members.Add(topic, members = []);
        }

        return members;
    }
}
