using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>A batch's producer fields, which compaction carries from a Kafka client's batch to its rewrite.</summary>
/// <remarks>The default is a batch without a producer: id, epoch and sequence -1, not transactional.</remarks>
internal readonly struct BatchProducer
{
    private readonly long _idPlusOne;
    private readonly short _epochPlusOne;
    private readonly int _baseSequencePlusOne;

    /// <summary>Creates the producer fields of <paramref name="batch"/>.</summary>
    public BatchProducer(RecordBatch batch)
    {
        _idPlusOne = batch.ProducerId + 1;
        _epochPlusOne = (short)(batch.ProducerEpoch + 1);
        _baseSequencePlusOne = batch.BaseSequence + 1;
        IsTransactional = (batch.Attributes & TransactionalFlag) != 0;
    }

    /// <summary>Gets the producer id (-1 when none).</summary>
    public long Id => _idPlusOne - 1;

    /// <summary>Gets the producer epoch (-1 when none).</summary>
    public short Epoch => (short)(_epochPlusOne - 1);

    /// <summary>Gets the base sequence (-1 when none).</summary>
    public int BaseSequence => _baseSequencePlusOne - 1;

    /// <summary>Gets a value indicating whether the batch belongs to a transaction.</summary>
    public bool IsTransactional { get; }
}
