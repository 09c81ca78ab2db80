namespace Herald.Server.Protocol;

/// <summary>Reports bytes that are not a valid Kafka request or response: too short, a length or count that does not fit,
/// a null where none is allowed, a string that is not UTF-8.</summary>
/// <remarks>
/// The message names the field by its path and then the problem, e.g.
/// <c>ProduceRequest.TopicData[0].Name: string length 70000 exceeds the 12 bytes left</c>. The reader throws it with
/// the innermost field; each enclosing struct and array adds its own name on the way out (see
/// <see cref="Within(string)"/>). Nothing else escapes a reader, whatever the bytes: this is the boundary that hostile
/// input meets.
/// </remarks>
internal sealed class KafkaProtocolException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="KafkaProtocolException"/> class.</summary>
    /// <param name="field">The field being read: its name, or a path of names.</param>
    /// <param name="problem">What is wrong with its bytes.</param>
    public KafkaProtocolException(string field, string problem)
        : base(problem)
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>Gets the path of the field that did not decode, e.g. <c>ProduceRequest.TopicData[0].Name</c>.</summary>
    public string Field { get; private set; }

    /// <summary>Gets what is wrong with the field's bytes.</summary>
    public string Problem { get; }

    /// <inheritdoc />
    public override string Message => Field.Length == 0 ? Problem : $"{Field}: {Problem}";

    /// <summary>Prefixes <paramref name="name"/> to the field's path and returns false.</summary>
    /// <remarks>
    /// Called from exception filters (<c>catch (KafkaProtocolException e) when (e.Within("ProduceRequest"))</c>): a
    /// filter runs before the stack unwinds and, returning false, catches nothing, so the path is built as the one throw
    /// passes each level instead of by a catch and a rethrow per level.
    /// </remarks>
    public bool Within(string name)
    {
        Field = Field.Length == 0 ? name : $"{name}.{Field}";
        return false;
    }

    /// <summary>Prefixes element <paramref name="index"/> of array <paramref name="name"/> to the field's path and returns false.</summary>
    public bool Within(string name, int index)
    {
        Field = Field.Length == 0 ? $"{name}[{index}]" : $"{name}[{index}].{Field}";
        return false;
    }
}
