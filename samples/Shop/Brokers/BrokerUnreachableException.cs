namespace Shop.Brokers;

/// <summary>The broker the shop was told to use cannot be reached, or its address is unusable: exit code 4, one line.</summary>
internal sealed class BrokerUnreachableException : Exception
{
    public BrokerUnreachableException()
    {
    }

    public BrokerUnreachableException(string message)
        : base(message)
    {
    }

    public BrokerUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
