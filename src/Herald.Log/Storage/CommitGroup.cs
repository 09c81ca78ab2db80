using static Herald.Log.Storage.RecordBatchLayout;

namespace Herald.Log.Storage;

/// <summary>
/// The stamp that tells recovery which commit group a batch belongs to: the batches a partition's writer wrote since its
/// last fsync, which a power cut may tear in any of their pages.
/// </summary>
/// <remarks>
/// Herald.Log writes batches without a producer (<c>producerId</c> -1), so Kafka gives their <c>baseSequence</c> no
/// meaning; the writer stores there the batch's base offset minus the first offset it wrote since its last fsync (0 for
/// the batch that opens a group). The field lies inside the CRC. Batches written by earlier versions, or by a producer
/// with an id, carry no stamp: recovery cannot place them and treats damage before them as damage.
/// </remarks>
internal static class CommitGroup
{
    /// <summary>Returns the stamp for a batch at <paramref name="baseOffset"/> written in the group that starts at <paramref name="groupStart"/>.</summary>
    public static int Stamp(long baseOffset, long groupStart)
    {
        System.Diagnostics.Debug.Assert(baseOffset >= groupStart && baseOffset - groupStart <= int.MaxValue, "A group starts at or before its batches, within one segment's int32 offsets.");
        return (int)(baseOffset - groupStart);
    }

    /// <summary>Returns the first offset of the commit group <paramref name="batch"/> was written in, or <see langword="null"/> when it has no stamp.</summary>
    public static long? StartOf(RecordBatch batch) =>
        batch.ProducerId == None && batch.BaseSequence >= 0 && batch.BaseSequence <= batch.BaseOffset
            ? batch.BaseOffset - batch.BaseSequence
            : null;
}
