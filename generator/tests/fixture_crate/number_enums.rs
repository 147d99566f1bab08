//! Integer and number enums of the `enums` fixture, used as a caller would: built from a bare
//! number or a variant, written and read as the number, checked before a request is sent.

use cartesia_api::enums::{Gain, RawFormat, RawFormatChannels, RawFormatSpeed, SampleRate};

#[test]
fn built_from_a_number_or_a_variant() {
    let format = RawFormat::new(44100, RawFormatChannels::N2)
        .bit_rate(64000)
        .speed(0.5);
    assert_eq!(format.sample_rate, SampleRate::N44100);
    assert_eq!(format.speed, Some(RawFormatSpeed::N0_5));
    assert_eq!(SampleRate::from(16000), SampleRate::N16000);
    assert_eq!(SampleRate::known(12345), None);
    assert_eq!(Gain::known(1000.0), Some(Gain::N1000));
    assert_eq!(i64::from(SampleRate::N8000), 8000);
    assert_eq!(Gain::Minus1.to_string(), "-1");
}

#[test]
fn written_and_read_as_numbers() {
    let format = RawFormat::new(SampleRate::N8000, 1).gains(vec![Gain::N0_5]);
    let json = serde_json::to_value(&format).expect("serializes");
    assert_eq!(
        json,
        serde_json::json!({"sample_rate": 8000, "channels": 1, "gains": [0.5]})
    );
    let read: RawFormat = serde_json::from_value(
        serde_json::json!({"sample_rate": 96000, "channels": 2, "gains": [1000]}),
    )
    .expect("a value added later still reads");
    assert_eq!(read.sample_rate, SampleRate::Unknown(96000));
    assert_eq!(read.sample_rate.value(), 96000);
    assert_eq!(read.gains, Some(vec![Gain::N1000]));
    // Equal values are equal whichever variant holds them.
    assert_eq!(SampleRate::Unknown(8000), SampleRate::N8000);
}

#[test]
fn unknown_values_are_refused_before_sending() {
    assert!(RawFormat::new(8000, 1).validate().is_ok());
    let error = RawFormat::new(96000, 1)
        .validate()
        .expect_err("an unknown sample rate is refused");
    assert_eq!(
        error.to_string(),
        "invalid `RawFormat.sample_rate`: must be one of 8000, 16000, 44100, got 96000"
    );
    let error = RawFormat::new(8000, 1)
        .gains(vec![Gain::N0_5, Gain::from(0.25)])
        .validate()
        .expect_err("an unknown gain is refused");
    assert_eq!(
        error.to_string(),
        "invalid `RawFormat.gains`: must be one of -1, 0.5, 1000, got 0.25"
    );
}
