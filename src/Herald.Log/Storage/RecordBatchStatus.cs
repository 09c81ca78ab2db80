namespace Herald.Log.Storage;

/// <summary>Says what the bytes at a position hold, as <see cref="RecordBatch.Read"/> found them.</summary>
internal enum RecordBatchStatus
{
    /// <summary>A whole batch whose length, magic and CRC are valid.</summary>
    Complete,

    /// <summary>The start of a batch that runs past the bytes given: a torn tail, or more bytes to read.</summary>
    Incomplete,

    /// <summary>Bytes that cannot be a valid batch: impossible length, wrong magic or CRC mismatch.</summary>
    Corrupt,

    /// <summary>An intact batch Herald.Log does not read: a control batch (transaction markers) or an unknown compression codec.</summary>
    Unsupported,
}
