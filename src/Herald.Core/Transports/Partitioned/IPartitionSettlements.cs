namespace Herald.Transports.Partitioned;

/// <summary>A <see cref="PartitionCursor"/> that also hears of each delivery settled beyond the group's position, while an
/// earlier one is still in flight.</summary>
/// <remarks>
/// Optional: the kernel commits in offset order all the same. A broker that settles messages one by one (RabbitMQ) uses
/// it to settle those when it gives the partition up, so that only the unsettled ones come again. A <see cref="PartitionCursor.Seek"/>
/// back voids what was settled from the offset sought on: those are read and settled again.
/// </remarks>
public interface IPartitionSettlements
{
    /// <summary>Records that the delivery at <paramref name="offset"/> was handled while one before it is still in flight.</summary>
    /// <remarks>Called under the group's lock, as the cursor's other members; must not wait.</remarks>
    void Settled(long offset);
}
