; Inno Setup script for Assay on Windows (built on Windows; it cannot be built on Linux).
;   1. In a Python 3.11+ environment on Windows:  pip install .[bundle]
;   2. pyinstaller installers\assay.spec --noconfirm      (makes dist\assay\assay.exe)
;   3. dist\assay\assay.exe --selftest                    (must print "selftest passed")
;   4. iscc /DAppVersion=X.Y.Z installers\windows\assay.iss   (makes dist\assay-X.Y.Z-setup.exe), with
;      X.Y.Z as printed by dist\assay\assay.exe --version: pyproject.toml's version, the only one
; Per-user install (no administrator rights needed), a Start-menu entry, and .toml files
; offering "Open with Assay" (Windows associates by the last extension only, so not *.assay.toml).
; Not yet built or tested (Assay is developed and tested on Linux). Known: the executable is a
; console program (it is also the CLI), so a console window opens beside the app.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (dist\assay\assay.exe --version prints it)
#endif

[Setup]
AppId={{6F1C2F3A-7D2B-4E9B-9C56-4B1A6D0E5A11}
AppName=Assay
AppVersion={#AppVersion}
AppPublisher=Assay
DefaultDirName={localappdata}\Programs\Assay
DefaultGroupName=Assay
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=assay-{#AppVersion}-setup
SetupIconFile=..\..\app\resources\icons\assay.ico
UninstallDisplayIcon={app}\assay.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
WizardStyle=modern

[Files]
Source: "..\..\dist\assay\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Assay"; Filename: "{app}\assay.exe"; Parameters: "gui"
Name: "{group}\Uninstall Assay"; Filename: "{uninstallexe}"

[Registry]
Root: HKCU; Subkey: "Software\Classes\.toml\OpenWithProgids"; ValueType: string; ValueName: "Assay.Audit"; ValueData: ""; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\Assay.Audit"; ValueType: string; ValueName: ""; ValueData: "Assay audit"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Assay.Audit\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\assay.exe,0"
Root: HKCU; Subkey: "Software\Classes\Assay.Audit\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\assay.exe"" gui ""%1"""

[Run]
Filename: "{app}\assay.exe"; Parameters: "gui"; Description: "Start Assay"; Flags: nowait postinstall skipifsilent
