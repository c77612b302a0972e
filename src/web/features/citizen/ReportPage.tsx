import { useMutation, useQuery } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useT } from '../../app/i18n';
import { ErrorAlert, Loading } from '../../ui/Alerts';
import { SelectField, TextAreaField, TextField } from '../../ui/Field';
import { citizenApi, citizenKeys } from './api';
import { CitizenFrame } from './CitizenFrame';
import { PhotoPicker } from './PhotoPicker';
import { fileToBase64, solveChallenge } from './pow';

const PinMap = lazy(() => import('./PinMap'));

type Pin = { lat: number; lon: number; accuracyM?: number | null; from: 'map' | 'device' };

/** `/reportar`: a report without an account; it reaches the 911 triage queue and gives back a tracking code. */
export function ReportPage() {
  const t = useT();
  const types = useQuery({ queryKey: citizenKeys.types, queryFn: citizenApi.types, staleTime: 3600_000 });
  const [type, setType] = useState('');
  const [description, setDescription] = useState('');
  const [pin, setPin] = useState<Pin | null>(null);
  const [address, setAddress] = useState('');
  const [photos, setPhotos] = useState<File[]>([]);
  const [anonymous, setAnonymous] = useState(false);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [locating, setLocating] = useState<'idle' | 'asking' | 'denied'>('idle');

  const submit = useMutation({
    mutationFn: async () => {
      const challenge = await citizenApi.challenge();
      const solution = await solveChallenge(challenge);
      const contact = anonymous ? null : { name: name.trim() || null, phone: phone.trim() || null, email: email.trim() || null };
      return citizenApi.submit({
        type,
        description: description.trim(),
        location: { lat: pin?.lat ?? null, lon: pin?.lon ?? null, accuracyM: pin?.accuracyM ?? null, addressText: address.trim() || null, from: pin?.from ?? 'text' },
        photos: await Promise.all(photos.map(fileToBase64)),
        anonymous,
        contact: contact && (contact.name || contact.phone || contact.email) ? contact : null,
        challenge: { id: challenge.id, solution },
      });
    },
  });

  const useDevice = () => {
    if (!('geolocation' in navigator)) return setLocating('denied');
    setLocating('asking');
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setPin({ lat: p.coords.latitude, lon: p.coords.longitude, accuracyM: Math.round(p.coords.accuracy), from: 'device' });
        setLocating('idle');
      },
      () => setLocating('denied'),
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const p: Record<string, string> = {};
    if (!type) p.type = t('citizen.report.typeRequired');
    if (description.trim().length < 10) p.description = t('citizen.report.descriptionShort');
    if (!pin && !address.trim()) p.location = t('citizen.report.locationRequired');
    setProblems(p);
    if (Object.keys(p).length === 0) submit.mutate();
  };

  if (submit.data) return <Received code={submit.data.code} />;

  return (
    <CitizenFrame title={t('citizen.report.title')}>
      <h1>{t('citizen.report.title')}</h1>
      <p className="muted">{t('citizen.report.intro')}</p>
      {types.isPending ? <Loading /> : null}
      <form className="citizen-form" onSubmit={onSubmit} noValidate aria-describedby="report-privacy">
        <SelectField
          label={t('citizen.report.type')}
          value={type}
          onChange={setType}
          placeholder={t('citizen.report.typePlaceholder')}
          options={(types.data ?? []).map((x) => ({ value: x.code, label: x.label[t.lang] }))}
          error={problems.type}
          required
        />
        <TextAreaField label={t('citizen.report.description')} hint={t('citizen.report.descriptionHint')} value={description} onChange={setDescription} error={problems.description} rows={4} maxLength={2000} required />

        <fieldset className="citizen-fieldset">
          <legend>{t('citizen.report.where')}</legend>
          <p className="field-hint">{t('citizen.report.whereHint')}</p>
          <Suspense fallback={<Loading />}>
            <PinMap label={t('citizen.report.mapLabel')} pin={pin} onPick={(x) => setPin({ ...x, from: 'map' })} />
          </Suspense>
          <p className="citizen-pin" role="status">
            {pin ? t(pin.from === 'device' ? 'citizen.report.pinDevice' : 'citizen.report.pinMap', { lat: pin.lat.toFixed(5), lon: pin.lon.toFixed(5), acc: pin.accuracyM ?? '—' }) : t('citizen.report.noPin')}
          </p>
          <div className="button-row">
            <button type="button" className="button button--secondary" onClick={useDevice} disabled={locating === 'asking'}>
              {locating === 'asking' ? t('citizen.report.locating') : t('citizen.report.useDevice')}
            </button>
            {pin ? (
              <button type="button" className="button button--ghost" onClick={() => setPin(null)}>
                {t('citizen.report.clearPin')}
              </button>
            ) : null}
          </div>
          {locating === 'denied' ? <p className="field-error">{t('citizen.report.locationDenied')}</p> : null}
          <TextField label={t('citizen.report.address')} hint={t('citizen.report.addressHint')} value={address} onChange={setAddress} maxLength={300} error={problems.location} />
        </fieldset>

        <PhotoPicker files={photos} onChange={setPhotos} />

        <fieldset className="citizen-fieldset">
          <legend>{t('citizen.report.contact')}</legend>
          <label className="checkbox">
            <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} /> {t('citizen.report.anonymous')}
          </label>
          <p className="field-hint" id="report-privacy">
            {anonymous ? t('citizen.report.anonymousHint') : t('citizen.report.contactHint')}
          </p>
          {anonymous ? null : (
            <>
              <TextField label={t('citizen.report.name')} value={name} onChange={setName} maxLength={120} autoComplete="name" />
              <TextField label={t('citizen.report.phone')} value={phone} onChange={setPhone} maxLength={20} type="tel" autoComplete="tel" />
              <TextField label={t('citizen.report.email')} value={email} onChange={setEmail} maxLength={200} type="email" autoComplete="email" />
            </>
          )}
        </fieldset>

        <ErrorAlert error={submit.error} />
        {submit.isPending ? (
          <p role="status" className="muted">
            {t('citizen.report.sending')}
          </p>
        ) : null}
        <button type="submit" className="button button--primary citizen-submit" disabled={submit.isPending}>
          {t('citizen.report.send')}
        </button>
      </form>
    </CitizenFrame>
  );
}

/** After commit: the code to write down, the link and its QR code. */
function Received({ code }: { code: string }) {
  const t = useT();
  const url = `${window.location.origin}/seguimiento/${code}`;
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    void QRCode.toDataURL(url, { margin: 1, width: 200 }).then(setQr);
  }, [url]);
  return (
    <CitizenFrame title={t('citizen.received.title')}>
      <h1>{t('citizen.received.title')}</h1>
      <p>{t('citizen.received.intro')}</p>
      <p className="citizen-code" aria-label={t('citizen.received.codeLabel')}>
        {code}
      </p>
      <p className="muted">{t('citizen.received.keep')}</p>
      {qr ? <img className="citizen-qr" src={qr} width={200} height={200} alt={t('citizen.received.qrAlt')} /> : null}
      <p>
        <Link className="button button--primary" to={`/seguimiento/${code}`}>
          {t('citizen.received.follow')}
        </Link>
      </p>
    </CitizenFrame>
  );
}
