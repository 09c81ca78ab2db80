using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Herald.Diagnostics;

namespace Herald.Conformance.Transports;

/// <summary>Records Herald's spans and measurements on one topic, through an <see cref="ActivityListener"/> and a
/// <see cref="MeterListener"/>; other tests' topics, which share the process's listeners, are left out.</summary>
internal sealed class TelemetryRecorder : IDisposable
{
    private const string Destination = "messaging.destination.name";
    private readonly string _topic;
    private readonly string[] _expectedSpans;
    private readonly string[] _expectedInstruments;
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters;
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts recording; <see cref="Complete"/> finishes once each of <paramref name="spans"/> (by
    /// <c>messaging.operation.type</c>) ended and each of <paramref name="instruments"/> recorded, on <paramref name="topic"/>.</summary>
    public TelemetryRecorder(string topic, string[] spans, string[] instruments)
    {
        _topic = topic;
        _expectedSpans = spans;
        _expectedInstruments = instruments;
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HeraldDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HeraldDiagnostics.MeterName && _expectedInstruments.Contains(instrument.Name))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Measured(instrument, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Measured(instrument, tags));
        _meters.Start();
    }

    /// <summary>Gets the <c>messaging.system</c> of each span ended on the topic, by <c>messaging.operation.type</c>.</summary>
    public ConcurrentDictionary<string, ConcurrentBag<string?>> Spans { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the <c>messaging.system</c> of each measurement on the topic, by instrument name.</summary>
    public ConcurrentDictionary<string, ConcurrentBag<string?>> Measurements { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets a task that completes when every expected span and instrument was seen on the topic.</summary>
    public Task Complete => _complete.Task;

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Stopped(Activity activity)
    {
        if (activity.GetTagItem(Destination) as string == _topic && activity.GetTagItem("messaging.operation.type") is string operation)
        {
            Spans.GetOrAdd(operation, _ => []).Add(activity.GetTagItem("messaging.system") as string);
            CheckComplete();
        }
    }

    private void Measured(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? destination = null;
        string? system = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case Destination:
                    destination = tag.Value as string;
                    break;
                case "messaging.system":
                    system = tag.Value as string;
                    break;
            }
        }

        if (destination == _topic)
        {
            Measurements.GetOrAdd(instrument.Name, _ => []).Add(system);
            CheckComplete();
        }
    }

    private void CheckComplete()
    {
        if (_expectedSpans.All(Spans.ContainsKey) && _expectedInstruments.All(Measurements.ContainsKey))
        {
            _complete.TrySetResult();
        }
    }
}
